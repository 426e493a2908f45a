package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The C library builds with gcc (with and without the sanitizers) and with clang, its warnings
 * being errors: the Makefile passes {@code -std=c11 -Wall -Wextra -Werror}, so a build that
 * succeeds had no warning. A missing compiler fails with one line naming the package.
 */
class CompilersTest {

    @Test
    void theMakefileTreatsWarningsAsErrorsInC11() throws IOException {
        String makefile = Files.readString(CBuild.makefileDir().resolve("Makefile"));
        for (String flag : new String[] {"-std=c11", "-Wall", "-Wextra", "-Werror"}) {
            assertTrue(makefile.contains(flag), "c/Makefile does not pass " + flag);
        }
    }

    @Test
    void gccWithSanitizersBuildsItWithoutWarnings() {
        Path peer = CBuild.peer();
        assertTrue(Files.isExecutable(peer), peer + " is not executable");
    }

    @Test
    void gccBuildsItWithoutWarnings() {
        assertTrue(Files.isExecutable(CBuild.gccCheck().resolve("dataport-peer")));
    }

    @Test
    void clangBuildsItWithoutWarnings() {
        assertTrue(Files.isExecutable(CBuild.clangCheck().resolve("dataport-peer")));
    }
}
