package dev.tether.core.account;

/** Which passwords a log-on ({@code POST /login}, {@code tether login}) takes: {@code serve --auth}. */
public enum AuthMode {
    /** Tether's own (Argon2id), set with {@code tether user passwd}: personal mode's default. */
    TETHER,
    /** The Linux password of the user's account, through PAM. */
    PAM,
    /** Tether's own for a user that has one, else the Linux password: multi-user mode's default. */
    BOTH;

    /** The mode {@code --auth} names: pam, tether or both. */
    public static AuthMode parse(String name) {
        return switch (name) {
            case "tether" -> TETHER;
            case "pam" -> PAM;
            case "both" -> BOTH;
            default -> throw new dev.tether.api.TetherException(dev.tether.api.ResultCode.INVALID_PARAMETER,
                    "--auth " + name + " is not one of pam, tether, both");
        };
    }
}
