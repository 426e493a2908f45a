package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The programs the C build makes besides the interop tool, run under AddressSanitizer and UBSan:
 * the example of docs/c.md (extracted from the document by the Makefile, so the document stays
 * true), {@code hooks-check}, the library built with {@code -DDP_PLATFORM_HOOKS} as for a
 * platform without POSIX (a native CAmkES component, docs/c.md "On seL4/CAmkES"), and
 * {@code api-check}, the library's answers to mistakes (83 checks: bad arguments, calls out of
 * order, ends never attached or closed, a region that is not what was asked for, roles held and
 * taken over, the one late commit fencing allows).
 */
class CExamplesTest {

    @Test
    void theExampleOfTheDocumentRunsAndPrintsItsThreeRecords() throws Exception {
        Path example = CBuild.peer().resolveSibling("example");
        long before = exampleFolders();
        CPeer run = CPeer.start(example);
        assertEquals("5 bytes, type 7: hello", run.next(), run.describe());
        assertEquals("6 bytes, type 0: over a", run.next(), run.describe());
        assertEquals("6 bytes, type 0: region", run.next(), run.describe());
        assertEquals("3 records", run.next(), run.describe());
        run.expectExit(0);
        assertTrue(exampleFolders() <= before, "the example left a dataport-example-* folder in /dev/shm");
    }

    @Test
    void theLibraryBuildsAndRunsWithPlatformHooksInsteadOfPosix() throws Exception {
        runsAndSays("hooks-check", "hooks ok (");
    }

    @Test
    void theLibraryAnswersEveryMistakeWithItsDocumentedStatusAndOneLine() throws Exception {
        runsAndSays("api-check", "api ok (");
    }

    /** Runs the C build's {@code program}: its first line must start with {@code verdict}, its exit code be 0. */
    private static void runsAndSays(String program, String verdict) throws InterruptedException {
        CPeer run = CPeer.start(CBuild.peer().resolveSibling(program));
        String line = run.next();
        assertTrue(line.startsWith(verdict), line + "; " + run.describe());
        run.expectExit(0);
    }

    /** Folders named like the example's temporary folder in /dev/shm. */
    private static long exampleFolders() throws java.io.IOException {
        try (var entries = Files.list(ShmDir.SHM)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("dataport-example-")).count();
        }
    }
}
