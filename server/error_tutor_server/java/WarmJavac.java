// A long-lived javac for Error Tutor's checks (warm_javac.py starts it; nothing else should).
//
// Protocol: one request per line on stdin, {"args": ["-d", "...", "File.java"]} with javac's own
// arguments; one reply per request on stdout: a line {"rc": N, "err": "<base64>", "out": "<base64>"}
// (the bytes javac printed on its error and output streams) followed by the line "--end-of-reply--".
// Nothing else is ever written to stdout. The program being checked is compiled, never run:
// the caller passes -proc:none, so no annotation processor (student code) is loaded.
// End of stdin ends the process.

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

public final class WarmJavac {
    public static final String END = "--end-of-reply--";

    public static void main(String[] argv) throws Exception {
        PrintStream replies = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        System.setOut(System.err);  // anything else that prints goes to stderr, never into a reply
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            System.err.println("no system Java compiler");
            System.exit(2);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            String[] args = parseArgs(line);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc;
            try {
                rc = javac.run(null, out, err, args);
            } catch (Throwable failure) {  // javac's own crash: report it as javac would, abnormal end
                failure.printStackTrace(new PrintStream(err, true));
                rc = 4;
            }
            Base64.Encoder b64 = Base64.getEncoder();
            replies.print("{\"rc\": " + rc + ", \"err\": \"" + b64.encodeToString(err.toByteArray())
                          + "\", \"out\": \"" + b64.encodeToString(out.toByteArray()) + "\"}\n" + END + "\n");
            replies.flush();
        }
    }

    /** The strings of the request's "args" list (JSON, as Python's json.dumps writes it). */
    static String[] parseArgs(String json) {
        int at = json.indexOf("\"args\"");
        if (at < 0) {
            throw new IllegalArgumentException("no args");
        }
        at = json.indexOf('[', at) + 1;
        List<String> args = new ArrayList<>();
        while (true) {
            while (json.charAt(at) == ' ' || json.charAt(at) == ',') {
                at++;
            }
            if (json.charAt(at) == ']') {
                break;
            }
            if (json.charAt(at) != '"') {
                throw new IllegalArgumentException("not a string at " + at);
            }
            StringBuilder s = new StringBuilder();
            at++;
            while (json.charAt(at) != '"') {
                char c = json.charAt(at++);
                if (c == '\\') {
                    char e = json.charAt(at++);
                    switch (e) {
                        case 'n': s.append('\n'); break;
                        case 't': s.append('\t'); break;
                        case 'r': s.append('\r'); break;
                        case 'b': s.append('\b'); break;
                        case 'f': s.append('\f'); break;
                        case 'u': s.append((char) Integer.parseInt(json.substring(at, at + 4), 16)); at += 4; break;
                        default: s.append(e);
                    }
                } else {
                    s.append(c);
                }
            }
            at++;
            args.add(s.toString());
        }
        return args.toArray(new String[0]);
    }
}
