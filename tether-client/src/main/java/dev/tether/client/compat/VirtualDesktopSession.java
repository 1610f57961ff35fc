package dev.tether.client.compat;

import dev.tether.api.Bodies;
import dev.tether.api.SessionInfo;
import dev.tether.api.TetherException;
import dev.tether.client.TetherClient;
import dev.tether.client.VirtualDesktop;
import java.util.List;

/**
 * Win32_VirtualDesktopSession for Java: a session's WMI properties and its three methods, each
 * returning a uint32 as WMI does: 0 on success, otherwise the Windows error code (NOT_FOUND 1168,
 * ACCESS_DENIED 5, INVALID_STATE 5023, SERVER_UNREACHABLE 1722, ...). The methods never throw.
 *
 * <p>An instance is a reference to a session id, like the WMI object path
 * {@code Win32_VirtualDesktopSession.SessionId=N}: the properties are read on first use and again after
 * {@link #refresh()}; reading them for a session that does not exist throws NOT_FOUND.
 */
public final class VirtualDesktopSession {
    private final VirtualDesktop session;
    private Bodies.VirtualDesktopView view;

    private VirtualDesktopSession(VirtualDesktop session) {
        this.session = session;
    }

    /** A reference to session {@code sessionId}; nothing is read yet. */
    public static VirtualDesktopSession of(TetherClient client, long sessionId) {
        return new VirtualDesktopSession(client.sessions().virtualDesktop(sessionId));
    }

    /** The session's instance with its properties read now; NOT_FOUND when there is no such session. */
    public static VirtualDesktopSession get(TetherClient client, long sessionId) {
        var instance = of(client, sessionId);
        instance.refresh();
        return instance;
    }

    /** {@code SELECT * FROM Win32_VirtualDesktopSession}: every live session the caller may see. */
    public static List<VirtualDesktopSession> list(TetherClient client) {
        return client.sessions().list().stream().map(SessionInfo::id).map(id -> of(client, id)).toList();
    }

    /** Reads the properties again. */
    public synchronized VirtualDesktopSession refresh() {
        view = session.view();
        return this;
    }

    private synchronized Bodies.VirtualDesktopView view() {
        if (view == null) {
            view = session.view();
        }
        return view;
    }

    /** VMHostName: the server the session runs on. */
    public String getVMHostName() {
        return view().vmHostName();
    }

    /** SessionId. */
    public long getSessionId() {
        return session.sessionId();
    }

    /** ConnectState: the WTS_CONNECTSTATE_CLASS number (ACTIVE 0, CONNECTED 1, DISCONNECTED 4, DOWN 8, INIT 9). */
    public int getConnectState() {
        return view().connectState();
    }

    /** UserName: the session's owner. */
    public String getUserName() {
        return view().userName();
    }

    /** DomainName: the server's realm, {@code local} unless configured. */
    public String getDomainName() {
        return view().domainName();
    }

    /** CollectionId: what the session was started from (its command's name). */
    public String getCollectionId() {
        return view().collectionId();
    }

    /** ClientMachineName: the name of the last client that connected, or null when none has. */
    public String getClientMachineName() {
        return view().clientMachineName();
    }

    /**
     * Disconnect(): "disconnects the session" — every client lets go, its programs keep running.
     *
     * @return 0 on success, else the Windows error code (1168 for a session that does not exist)
     */
    public int disconnect() {
        return call(Method.DISCONNECT, null, null);
    }

    /**
     * Logoff(): logs the session off — its programs are hung up, then terminated, then killed.
     *
     * @return 0 on success, else the Windows error code
     */
    public int logoff() {
        return call(Method.LOGOFF, null, null);
    }

    /**
     * SendMessage(title, message): shows the message to every client attached to the session, without
     * waiting for an answer.
     *
     * @return 0 on success, else the Windows error code (INVALID_STATE 5023 when no client is attached)
     */
    public int sendMessage(String title, String message) {
        return call(Method.SEND_MESSAGE, title, message);
    }

    private enum Method { DISCONNECT, LOGOFF, SEND_MESSAGE }

    private int call(Method method, String title, String message) {
        try {
            Bodies.VirtualDesktopResult result = switch (method) {
                case DISCONNECT -> session.disconnect();
                case LOGOFF -> session.logoff();
                case SEND_MESSAGE -> session.sendMessage(title, message);
            };
            return (int) result.returnValue();
        } catch (TetherException e) {
            return e.code().windowsCode();
        }
    }

    @Override
    public String toString() {
        return "Win32_VirtualDesktopSession.SessionId=" + session.sessionId();
    }
}
