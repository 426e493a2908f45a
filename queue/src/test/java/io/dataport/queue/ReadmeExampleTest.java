package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles the README's Java examples (a ring file, a region, wake-ups) against the library and runs them. */
class ReadmeExampleTest {

    @TempDir
    Path dir;

    @Test
    void readmeExamplesCompileAndRun() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "the README has a java block");
        assertEquals(List.of("16 bytes, type 0", "5 bytes, type 0", "2 records"), run("Example", block.group(1)));
        assertTrue(block.find(), "the README has a second java block (regions)");
        assertEquals(List.of("19 bytes, format generation 1, producer lease epoch 1"),
                run("RegionExample", block.group(1)));
        assertTrue(block.find(), "the README has a third java block (wake-ups)");
        assertEquals(List.of("10000 records in order"), run("WakeupExample", block.group(1)));
    }

    private List<String> run(String className, String code) throws Exception {
        Path classDir = Files.createDirectories(dir.resolve(className));
        Path source = classDir.resolve(className + ".java");
        Files.writeString(source, code);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String classes = Path.of(RingFile.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, null, errors, "-cp", classes, "-d", classDir.toString(), source.toString());
        assertEquals(0, status, "the README example " + className + " compiles: " + errors);

        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classDir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(out);
        }
        return printed.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
