package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Decision tables in the rules folder: the shipped sample routes requests (and the worked example of
 * rules/README.md gives what it says), an .xlsx table routes too, and a broken or smuggling cell is refused with
 * file, sheet and cell while the previous rules keep serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecisionTableTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String SAMPLE = "routing-table.drl.csv";
    private static final String NO_MODEL = "{\"messages\":[{\"role\":\"user\",\"content\":\"Translate: good morning\"}]}";

    private Gateway gateway;

    @BeforeAll
    void start() throws IOException {
        // The shipped catalog: the sample table names its chains (cheap, quality); OpenAI's models reach the fake.
        gateway = Gateway.start(Map.of("SWITCHBOARD_CATALOG", "src/main/resources/default-catalog.yaml"));
        Files.copy(Path.of("rules", SAMPLE), gateway.rulesDir.resolve(SAMPLE));
        Await.until("the sample table serving", WAIT, this::rules,
                r -> r.path("files").toString().contains(SAMPLE) && r.path("lastErrors").isEmpty());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_route_by_the_rows_of_the_sample_table() {
        HttpResponse<String> premium = chat("translation", "premium");
        assertEquals(200, premium.statusCode(), premium.body());
        assertEquals("gpt-4o", header(premium, "x-switchboard-model"));
        assertEquals("Premium translations use the quality chain", header(premium, "x-switchboard-rule"));

        HttpResponse<String> enterprise = chat("translation", "enterprise");
        assertEquals("Enterprise agents get the quality chain", header(enterprise, "x-switchboard-rule"),
                "routing.drl's rules come before the table");

        HttpResponse<String> named = gateway.postChat(Gateway.chatBody("gpt-4o", "hi"),
                "x-switchboard-task-type", "translation", "x-switchboard-user-tier", "premium");
        assertEquals("gpt-4o", header(named, "x-switchboard-model"));
        assertEquals("", header(named, "x-switchboard-rule"), "a caller who names a model is not routed by the table");

        JsonNode listed = null;
        for (JsonNode r : rules().path("rules")) {
            listed = r.path("name").asText().equals("Premium translations use the quality chain") ? r : listed;
        }
        assertTrue(listed != null && listed.path("file").asText().endsWith(SAMPLE) && listed.path("salience").asInt() == 39
                && listed.path("actions").path(0).asText().equals("decision.route(\"gpt-4o\", \"quality\");"),
                "the table's rows are listed as rules: " + listed);
    }

    /** The worked example of rules/README.md, run as written: its request headers give its answer headers. */
    @Test
    void should_answer_the_readme_worked_example_as_documented() throws IOException {
        String readme = Files.readString(Path.of("rules/README.md"));
        String example = readme.substring(readme.indexOf("### Worked example"));
        List<String> headers = new ArrayList<>();
        Matcher sent = Pattern.compile("-H '(x-switchboard-[a-z-]+): ([^']+)'").matcher(example);
        while (sent.find()) {
            headers.add(sent.group(1));
            headers.add(sent.group(2));
        }
        Matcher expected = Pattern.compile("(?m)^(x-switchboard-[a-z-]+): (.+)$").matcher(example);
        assertEquals(4, headers.size(), "the example sends task type and user tier: " + example);

        HttpResponse<String> answer = gateway.postChat(NO_MODEL, headers.toArray(String[]::new));
        assertEquals(200, answer.statusCode(), answer.body());
        int checked = 0;
        while (expected.find()) {
            assertEquals(expected.group(2).strip(), header(answer, expected.group(1)), expected.group());
            checked++;
        }
        assertEquals(2, checked, "the example shows the model and the rule: " + example);
    }

    @Test
    void should_route_by_an_xlsx_table() throws IOException {
        write("tiers.drl.xlsx", workbook("Routing", "\"summarization\"", "standard"));
        try {
            HttpResponse<String> routed = Await.until("the xlsx rule routing", WAIT, () -> chat("summarization", "standard"),
                    r -> "Standard summaries from the workbook".equals(header(r, "x-switchboard-rule")));
            assertEquals("gpt-4o", header(routed, "x-switchboard-model"));
        } finally {
            delete("tiers.drl.xlsx");
        }
        awaitServingWithout("tiers.drl.xlsx");
    }

    @Test
    void should_refuse_a_broken_cell_with_its_sheet_and_cell_and_keep_serving() throws IOException {
        // Row 9, column E (the task type) lacks its quotes: the generated condition compares with an unknown name.
        write("broken.drl.xlsx", workbook("Tiers", "summarization", "standard"));
        try {
            JsonNode refused = awaitErrorsFor("broken.drl.xlsx");
            JsonNode error = errorsFor(refused, "broken.drl.xlsx").get(0);
            assertEquals(gateway.rulesDir.resolve("broken.drl.xlsx").toString(), error.path("file").asText(), refused.toString());
            assertEquals("Tiers", error.path("sheet").asText(), refused.toString());
            assertEquals("E9", error.path("cell").asText(), refused.toString());
            assertEquals(9, error.path("line").asInt(), "the line of a table's error is its row: " + refused);
            assertTrue(refused.path("files").toString().contains(SAMPLE), "the previous rules keep serving: " + refused);

            HttpResponse<String> still = chat("translation", "free");
            assertEquals("Free translations use the cheap chain", header(still, "x-switchboard-rule"));
        } finally {
            delete("broken.drl.xlsx");
        }
        awaitServingWithout("broken.drl.xlsx");
    }

    @Test
    void should_refuse_a_cell_that_smuggles_code() throws IOException {
        // Its action cell closes the route(...) call and calls System.exit: a cell must hold a value, not code.
        write("smuggler.drl.csv", Files.readAllBytes(Path.of("src/test/resources/tables/smuggler.drl.csv")));
        try {
            JsonNode refused = awaitErrorsFor("smuggler.drl.csv");
            JsonNode error = errorsFor(refused, "smuggler.drl.csv").get(0);
            assertEquals("csv", error.path("sheet").asText(), refused.toString());
            assertEquals("C9", error.path("cell").asText(), refused.toString());
            assertTrue(error.path("message").asText().contains("System"), refused.toString());
            assertFalse(refused.path("files").toString().contains("smuggler"), refused.toString());
        } finally {
            delete("smuggler.drl.csv");
        }
        awaitServingWithout("smuggler.drl.csv");
    }

    /** A table sent through the API is checked the same way: an import the sandbox refuses is told by its cell. */
    @Test
    void should_refuse_a_table_put_through_the_api_naming_the_cell() throws IOException {
        String table = Files.readString(Path.of("src/test/resources/tables/importer.drl.csv"));
        HttpResponse<String> put = gateway.admin("PUT", "/admin/api/rules/importer.drl.csv", table);
        assertEquals(400, put.statusCode(), put.body());
        JsonNode error = Gateway.MAPPER.readTree(put.body()).path("errors").path(0);
        assertEquals("csv", error.path("sheet").asText(), put.body());
        assertEquals("B2", error.path("cell").asText(), put.body());
        assertTrue(error.path("message").asText().contains("Runtime"), put.body());
        assertFalse(Files.exists(gateway.rulesDir.resolve("importer.drl.csv")), "nothing written");

        // A table Drools cannot read at all (column B is no CONDITION or ACTION) is told by the cell it names.
        HttpResponse<String> unreadable = gateway.admin("PUT", "/admin/api/rules/unknown-column.drl.csv",
                Files.readString(Path.of("src/test/resources/tables/unknown-column.drl.csv")));
        assertEquals(400, unreadable.statusCode(), unreadable.body());
        JsonNode parse = Gateway.MAPPER.readTree(unreadable.body()).path("errors").path(0);
        assertEquals("B7", parse.path("cell").asText(), unreadable.body());
        assertEquals(7, parse.path("line").asInt(), unreadable.body());
    }

    /** A one-rule workbook: summaries of a tier (row 9) go to gpt-4o. */
    private static byte[] workbook(String sheetName, String taskType, String tier) throws IOException {
        try (XSSFWorkbook book = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet sheet = book.createSheet(sheetName);
            String[][] rows = {
                    {"RuleSet", "rules"},
                    {"Import", "dev.switchboard.routing.LlmRequest"},
                    {"Variables", "dev.switchboard.routing.Decision decision"},
                    {"RuleTable Workbook", ""},
                    {"NAME", "PRIORITY", "ACTIVATION-GROUP", "CONDITION", "CONDITION", "CONDITION", "ACTION"},
                    {"", "", "", "LlmRequest", "", "", ""},
                    {"", "", "", "(model == \"\") == $param", "taskType == $param", "userTier == \"$param\"", "decision.route(\"$param\");"},
                    {"Rule", "Priority", "Group", "No model", "Task", "Tier", "Model"},
                    {"Standard summaries from the workbook", "45", "route", "true", taskType, tier, "gpt-4o"}};
            for (int r = 0; r < rows.length; r++) {
                Row row = sheet.createRow(r);
                for (int c = 0; c < rows[r].length; c++) {
                    row.createCell(c).setCellValue(rows[r][c]);
                }
            }
            sheet.addMergedRegion(new org.apache.poi.ss.util.CellRangeAddress(5, 5, 3, 5)); // one LlmRequest for D6:F6
            book.write(out);
            return out.toByteArray();
        }
    }

    private HttpResponse<String> chat(String taskType, String tier) {
        return gateway.postChat(NO_MODEL, "x-switchboard-task-type", taskType, "x-switchboard-user-tier", tier);
    }

    private JsonNode awaitErrorsFor(String file) {
        return Await.until(file + " refused at /admin/api/rules", WAIT, this::rules, r -> !errorsFor(r, file).isEmpty());
    }

    private void awaitServingWithout(String file) {
        Await.until(file + " gone", WAIT, this::rules, r -> r.path("lastErrors").isEmpty() && !r.path("files").toString().contains(file));
    }

    private JsonNode rules() {
        try {
            return Gateway.MAPPER.readTree(gateway.admin("GET", "/admin/api/rules", null).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> errorsFor(JsonNode rules, String file) {
        List<JsonNode> found = new ArrayList<>();
        rules.path("lastErrors").forEach(e -> {
            if (e.path("file").asText().endsWith(file)) {
                found.add(e);
            }
        });
        return found;
    }

    private static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse("");
    }

    private void write(String name, byte[] content) {
        try {
            Path tmp = gateway.rulesDir.resolve(name + ".tmp");
            Files.write(tmp, content);
            Files.move(tmp, gateway.rulesDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void delete(String name) {
        try {
            Files.deleteIfExists(gateway.rulesDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
