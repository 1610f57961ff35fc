package dev.tether.server;

import dev.tether.api.Bodies;
import dev.tether.api.ConnectionQuery;
import dev.tether.api.RequestRecord;
import dev.tether.api.ResultCode;
import dev.tether.api.Selection;
import dev.tether.api.TetherException;
import dev.tether.core.Kernel;
import dev.tether.core.account.Caller;
import dev.tether.core.request.Submitted;
import java.util.concurrent.CompletableFuture;

/**
 * A session read as a Win32_VirtualDesktopSession: its properties, and Disconnect(), Logoff() and
 * SendMessage(title, message), each answering a uint32 ReturnValue: 0 on success, otherwise the
 * Windows error code of what went wrong (NOT_FOUND 1168, ACCESS_DENIED 5, ...).
 */
final class VirtualDesktop {
    static final String DOMAIN = "local";

    private final Kernel kernel;
    private final String serverName;

    VirtualDesktop(Kernel kernel, String serverName) {
        this.kernel = kernel;
        this.serverName = serverName;
    }

    CompletableFuture<Bodies.VirtualDesktopView> view(Caller caller, long id) {
        return kernel.registry().get(caller, id).thenCombine(
                kernel.connections().connections(caller, new ConnectionQuery(id, null, null, null)),
                (s, connections) -> {
                    String program = s.argv().getFirst();
                    String client = connections.isEmpty() ? null : connections.getLast().clientName();
                    return new Bodies.VirtualDesktopView(serverName, s.id(), s.stateCode(), s.user(), DOMAIN,
                            program.substring(program.lastIndexOf('/') + 1), client);
                });
    }

    CompletableFuture<Bodies.VirtualDesktopResult> invoke(Caller caller, long id, String method, String body) {
        CompletableFuture<?> call = switch (method) {
            case "disconnect" -> kernel.sessions().disconnect(caller, Selection.of(id), true).thenCompose(Submitted::completion);
            case "logoff" -> kernel.sessions().close(caller, Selection.of(id), true).thenCompose(Submitted::completion);
            case "send-message" -> {
                Bodies.VirtualDesktopMessage m = Json.read(body, Bodies.VirtualDesktopMessage.class, "SendMessage's arguments");
                yield kernel.messages().message(caller, id, m.title(), m.message(), 0, false);
            }
            default -> throw new TetherException(ResultCode.NOT_FOUND, "Win32_VirtualDesktopSession has no method '" + method
                    + "'; use disconnect, logoff or send-message");
        };
        return call.handle((done, error) -> {
            if (error != null) {
                TetherException e = Errors.toTether(error);
                return new Bodies.VirtualDesktopResult(e.code().windowsCode(), method, e.getMessage());
            }
            if (done instanceof RequestRecord r && r.result() != ResultCode.OK) {
                String why = r.targets().stream().map(t -> t.message()).filter(m -> m != null).findFirst().orElse(r.result().name());
                return new Bodies.VirtualDesktopResult(r.result().windowsCode(), method, why);
            }
            return new Bodies.VirtualDesktopResult(0, method, "done");
        });
    }


}
