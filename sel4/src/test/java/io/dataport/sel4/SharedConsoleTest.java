package io.dataport.sel4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shared serial line: markers found through the SerialServer's colours, jobs answered by ID. */
class SharedConsoleTest {
    /** What the SerialServer puts around a guest's line: a colour reset and a colour. */
    private static String coloured(int vm, String line) {
        return "\u001B[0m\u001B[" + (31 + vm) + "m" + line + "\r\n";
    }

    /**
     * A serial input that answers each DPJOB at once, as guest {@code vm} would (on the caller's
     * thread, so the test decides by events only): {@code reply} maps the command to the guest's
     * lines.
     */
    private static final class FakeGuests extends OutputStream {
        private static final Pattern JOB = Pattern.compile("(?:@(\\d))?\r?DPJOB (\\S+) (.*)\r");
        private static final Pattern SWITCH = Pattern.compile("\r@(\\d)$");
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        SharedConsole console;
        Function<String, String> reply;
        int lastClient = -1;
        int switches;

        @Override
        public void write(int b) {
            written.write(b);
        }

        @Override
        public void flush() {
            String text = written.toString(StandardCharsets.ISO_8859_1);
            Matcher sw = SWITCH.matcher(text);
            if (sw.find() && !text.contains("DPJOB")) {
                switches++;
                console.accept("\u001B[0m\r\nSwitching input to " + sw.group(1) + "\r\n");
                return;
            }
            Matcher m = JOB.matcher(text);
            if (m.find() && reply != null) {
                if (m.group(1) != null) {
                    lastClient = Integer.parseInt(m.group(1));
                }
                String answer = reply.apply(m.group(2) + " " + lastClient + " " + m.group(3));
                written.reset();
                console.accept(answer);
            }
        }
    }

    @Test
    void findsReadyMarkersThroughColoursAndNoise() throws Exception {
        StringWriter log = new StringWriter();
        SharedConsole console = new SharedConsole(3, log);
        console.accept("ELF-loader started\r\n[vm1] booting\r\n");
        console.accept(coloured(1, "DPREA"));   // a line split across two reads...
        assertFalse(console.isReady(1));
        console.accept("\u001B[0m");
        console.accept("DY vm1\r\n".substring(0, 0));
        console.accept(coloured(2, "DPREADY vm2"));
        assertTrue(console.isReady(2));
        assertFalse(console.isReady(0));
        assertFalse(console.awaitReady(0, 1));
        assertTrue(log.toString().contains("DPREADY vm2"));
        assertFalse(log.toString().contains("\u001B"), "escape sequences are removed from the log");
    }

    /** Serial client c is read by guest (c + 1) % 3, as CAmkES may wire them in any order. */
    private static int guestOfClient(int client) {
        return (client + 1) % 3;
    }

    @Test
    void clientsAreIdentifiedThenAJobGetsItsOwnOutputAndStatusOnly() throws Exception {
        SharedConsole console = new SharedConsole(3, null);
        FakeGuests guests = new FakeGuests();
        guests.console = console;
        console.connectInput(guests);
        guests.reply = job -> {
            String[] w = job.split(" ", 3);
            String id = w[0];
            int vm = guestOfClient(Integer.parseInt(w[1]));
            return coloured(vm, "DPACK vm" + vm + " " + id)
                    + coloured(vm, "DPOUT vm" + vm + " " + id + " hello " + w[2])
                    + coloured(vm, "DPOUT vm" + vm + " old-7 a stale answer")
                    + coloured(vm, "DPRC vm" + vm + " old-7 0")
                    + "[vmm] a VMM message in between\r\n"
                    + coloured(vm, "DPOUT vm" + vm + " " + id + " second line")
                    + coloured(vm, "DPRC vm" + vm + " " + id + " 3");
        };
        assertThrows(IllegalStateException.class, () -> console.run(0, "true", 10_000), "clients not identified yet");
        for (int client = 0; client < 3; client++) {
            assertEquals(guestOfClient(client), console.identify(client, 10_000));
        }
        SharedConsole.Result r = console.run(1, "dpctl net 1", 10_000);
        assertEquals(3, r.status());
        assertEquals(List.of("hello dpctl net 1", "second line"), r.output());
        assertEquals(1, r.vm());
        assertTrue(guests.lastClient == 0, "vm1 is read by client 0");
        SharedConsole.Result r2 = console.run(0, "true", 10_000);
        assertEquals(List.of("hello true", "second line"), r2.output());
        assertEquals(2, guests.lastClient);
        console.run(0, "true", 10_000);
        assertEquals(5, guests.switches, "three identifications, then clients 0 and 2: no switch for the client already selected");
        assertTrue(!r.id().equals(r2.id()), "job ids are unique");
    }

    @Test
    void aJobLostOnTheWayIsSentAgainUntilAcknowledged() throws Exception {
        SharedConsole console = new SharedConsole(3, null, 50);
        FakeGuests guests = new FakeGuests();
        guests.console = console;
        console.connectInput(guests);
        int[] received = {0};
        // the first copy of every job is lost; the second is acknowledged and answered
        guests.reply = job -> ++received[0] % 2 == 1 ? "" : coloured(0, "DPACK vm0 " + job.split(" ")[0])
                + coloured(0, "DPRC vm0 " + job.split(" ")[0] + " 0");
        assertEquals(0, console.identify(0, 60_000));
        assertEquals(2, received[0], "sent twice");
        received[0] = 0;
        guests.reply = job -> "";   // never acknowledged: given up after MAX_SENDS copies
        Sel4Exception e = assertThrows(Sel4Exception.class, () -> console.identify(1, 60_000));
        assertTrue(e.getMessage().contains("did not acknowledge"), e.getMessage());
    }

    @Test
    void anAnswerFromTheWrongGuestIsAnError() throws Exception {
        SharedConsole console = new SharedConsole(3, null, 60_000);
        FakeGuests guests = new FakeGuests();
        guests.console = console;
        console.connectInput(guests);
        int[] answering = {0};
        guests.reply = job -> coloured(answering[0], "DPACK vm" + answering[0] + " " + job.split(" ")[0])
                + coloured(answering[0], "DPRC vm" + answering[0] + " " + job.split(" ")[0] + " 0");
        assertEquals(0, console.identify(0, 10_000));
        answering[0] = 2;   // the wiring changed under us
        Sel4Exception e = assertThrows(Sel4Exception.class, () -> console.run(0, "true", 10_000));
        assertTrue(e.getMessage().contains("answered by vm2"), e.getMessage());
    }

    @Test
    void aJobThatNeverAnswersTimesOutWithWhatItPrinted() throws Exception {
        SharedConsole console = new SharedConsole(3, null);
        FakeGuests guests = new FakeGuests();
        guests.console = console;
        console.connectInput(guests);
        guests.reply = job -> coloured(0, "DPRC vm0 " + job.split(" ")[0] + " 0");
        assertEquals(0, console.identify(0, 10_000));
        guests.reply = job -> coloured(0, "DPACK vm0 " + job.split(" ")[0]) + coloured(0, "DPOUT vm0 " + job.split(" ")[0] + " partial");
        Sel4Exception e = assertThrows(Sel4Exception.class, () -> console.run(0, "sleep 999", 50));
        assertTrue(e.getMessage().contains("did not finish") && e.getMessage().contains("partial"), e.getMessage());
    }

    @Test
    void aClosedConsoleEndsEveryWait() {
        SharedConsole console = new SharedConsole(3, null);
        console.connectInput(new ByteArrayOutputStream());
        console.accept("Kernel panic - not syncing\r\n");
        console.close("the serial line ended (QEMU exited)");
        Sel4Exception e = assertThrows(Sel4Exception.class, () -> console.awaitReady(0, 60_000));
        assertTrue(e.getMessage().contains("QEMU exited") && e.getMessage().contains("Kernel panic"), e.getMessage());
        assertThrows(Sel4Exception.class, () -> console.identify(0, 60_000));
    }

    @Test
    void theInputSwitchesToTheGuestBeforeEachJob() throws Exception {
        SharedConsole console = new SharedConsole(3, null);
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        console.connectInput(input);
        Thread answer = new Thread(() -> {
            // answers once the job line was written: decided by the bytes, not by time
            while (!input.toString(StandardCharsets.ISO_8859_1).equals("\r@1")) {
                Thread.onSpinWait();
            }
            console.accept("Switching input to 1\r\n");
            String id;
            while (true) {
                Matcher m = Pattern.compile("DPJOB (\\S+) ").matcher(input.toString(StandardCharsets.ISO_8859_1));
                if (m.find()) {
                    id = m.group(1);
                    break;
                }
                Thread.onSpinWait();
            }
            console.accept(coloured(2, "DPRC vm2 " + id + " 0"));
        });
        answer.start();
        assertEquals(2, console.identify(1, 60_000));
        answer.join();
        String sent = input.toString(StandardCharsets.ISO_8859_1);
        assertTrue(sent.startsWith("\r@1\rDPJOB j1 true\r"), sent);
    }

    @Test
    void aVeryLongLineIsCutNotKeptForever() {
        SharedConsole console = new SharedConsole(1, null);
        console.accept("x".repeat(SharedConsole.MAX_LINE * 3));
        assertEquals(3, console.lines());
    }
}
