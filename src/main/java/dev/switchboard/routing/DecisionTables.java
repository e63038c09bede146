package dev.switchboard.routing;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.decisiontable.InputType;
import org.drools.decisiontable.SpreadsheetCompiler;
import org.drools.decisiontable.parser.DefaultRuleSheetListener;
import org.drools.template.parser.DataListener;

/**
 * Decision tables ({@code *.drl.csv}, {@code *.drl.xlsx}: the first sheet, as Drools reads) turned into DRL text before
 * anything else sees them, so a table passes the same {@link RuleSandbox} check and the same compiler as a hand-written
 * file. The generated DRL
 * says which spreadsheet row each rule came from ({@code // rule values at A11}); an error on a line of it is
 * reported on that row's sheet and, where its text shows up in the bad line, the cell a business user typed.
 */
final class DecisionTables {
    static final String CSV = ".drl.csv";
    static final String XLSX = ".drl.xlsx";
    /** The comment Drools writes above every rule it generates from a row. */
    private static final Pattern ROW_COMMENT = Pattern.compile("^// rule values at [A-Z]+(\\d+),");
    /** How a table parse error names its cell ("... in cell C7", "Data cell C9 ..."). */
    private static final Pattern CELL_IN_MESSAGE = Pattern.compile("[Cc]ells? ([A-Z]{1,3})(\\d+)\\b");
    /** What the generated DRL adds around one item of a header cell ({@code import x.Y;}). */
    private static final Pattern HEADER_ITEM = Pattern.compile("^(import|global)\\s+|;$");
    /** A CSV file has no sheets; its errors name this one. */
    private static final String CSV_SHEET = "csv";

    private DecisionTables() {
    }

    static boolean isTable(String fileName) {
        return fileName.endsWith(CSV) || fileName.endsWith(XLSX);
    }

    /** One table as DRL, with what is needed to point an error on a generated line back at the sheet. */
    record Generated(String drl, List<RuleError> errors, Cells cells) {
    }

    /** Parses one table; a table Drools cannot read at all yields its error (with the cell it names) and no DRL. */
    static Generated toDrl(String file, byte[] content) {
        Cells cells = new Cells();
        DefaultRuleSheetListener rules = new DefaultRuleSheetListener();
        InputType type = file.endsWith(CSV) ? InputType.CSV : InputType.XLS;
        try {
            cells.sheet = file.endsWith(CSV) ? CSV_SHEET : firstSheetName(content);
            type.createParser(List.of(rules, cells)).parseFile(new ByteArrayInputStream(content));
            String drl = new SpreadsheetCompiler().listenerToString(rules);
            return new Generated(drl, List.of(), cells);
        } catch (RuntimeException e) {
            // DecisionTableParseException names the cell; POI throws its own exceptions for a file that is no workbook.
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
            Matcher cell = CELL_IN_MESSAGE.matcher(message);
            boolean named = cell.find();
            String at = named ? cell.group(1) + cell.group(2) : null;
            int row = named ? Integer.parseInt(cell.group(2)) : 0;
            return new Generated(null, List.of(new RuleError(file, row, "decision table refused: " + message, cells.sheet, at)), cells);
        }
    }

    /** Drools reads only the first sheet of a workbook (and does not name it to its listeners). */
    private static String firstSheetName(byte[] content) {
        try (org.apache.poi.ss.usermodel.Workbook book = org.apache.poi.ss.usermodel.WorkbookFactory.create(new ByteArrayInputStream(content))) {
            return book.getNumberOfSheets() == 0 ? null : book.getSheetName(0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The same error, told on the sheet: row, sheet and (when it can be told) cell instead of the generated DRL line. */
    static RuleError locate(RuleError onDrl, int column, Generated table) {
        if (onDrl.line() <= 0) {
            return locateByText(onDrl, table, onDrl.message(), true);
        }
        String[] lines = table.drl().split("\n", -1);
        int lineIndex = Math.min(Math.max(onDrl.line(), 1), lines.length) - 1;
        int row = 0;
        for (int i = lineIndex; i >= 0 && row == 0; i--) {
            Matcher m = ROW_COMMENT.matcher(lines[i].strip());
            if (m.find()) {
                row = Integer.parseInt(m.group(1));
            }
        }
        if (row == 0) {
            // Above the first rule: the RuleSet header (Import, Variables...), whose cells are copied whole or in part.
            return locateByText(onDrl, table, lines[lineIndex], false);
        }
        Cells.Row cells = table.cells().row(row);
        String cell = cells == null ? null : cells.cellIn(lines[lineIndex], column);
        return new RuleError(onDrl.file(), row, onDrl.message(), table.cells().sheet, cell != null ? cell : "A" + row);
    }

    /**
     * The cell whose text {@code quoted} shows: an error without a line (the compiler's analysis of an expression)
     * quotes the expression, a header line (import, global) holds one item of a cell's list. The longest such cell
     * wins (a short value like "true" may be quoted by chance); {@code ruleRowsOnly} leaves the header out.
     */
    private static RuleError locateByText(RuleError onDrl, Generated table, String quoted, boolean ruleRowsOnly) {
        String item = HEADER_ITEM.matcher(quoted.strip()).replaceAll("");
        java.util.Set<Integer> ruleRows = new java.util.HashSet<>();
        for (String line : table.drl().split("\n")) {
            Matcher m = ROW_COMMENT.matcher(line.strip());
            if (m.find()) {
                ruleRows.add(Integer.parseInt(m.group(1)));
            }
        }
        Cells.Row bestRow = null;
        int bestColumn = -1;
        int bestLength = 0;
        for (Cells.Row row : table.cells().rows) {
            if (ruleRowsOnly != ruleRows.contains(row.number())) {
                continue;
            }
            for (Map.Entry<Integer, String> v : row.values().entrySet()) {
                String text = v.getValue().strip();
                boolean shown = Pattern.compile("(?<![\\w$])" + Pattern.quote(text) + "(?![\\w])").matcher(quoted).find()
                        || (!ruleRowsOnly && !item.isEmpty() && text.contains(item));
                if (text.length() > bestLength && shown) {
                    bestRow = row;
                    bestColumn = v.getKey();
                    bestLength = text.length();
                }
            }
        }
        String sheet = table.cells().sheet;
        return bestRow == null ? new RuleError(onDrl.file(), 0, onDrl.message(), sheet, null)
                : new RuleError(onDrl.file(), bestRow.number(), onDrl.message(), sheet, columnName(bestColumn) + bestRow.number());
    }

    /** Column number (0-based) to spreadsheet letters: 0 → A, 26 → AA. */
    static String columnName(int column) {
        StringBuilder name = new StringBuilder();
        for (int c = column; c >= 0; c = c / 26 - 1) {
            name.insert(0, (char) ('A' + c % 26));
        }
        return name.toString();
    }

    /** Every non-empty cell the parser saw, by row: what the business user typed, where. */
    static final class Cells implements DataListener {
        /** One spreadsheet row (1-based {@code number}); {@code values} by 0-based column. */
        record Row(int number, Map<Integer, String> values) {
            /**
             * The cell whose text is on the bad DRL line; with a column from the compiler, the one that covers it.
             * Longer values first: a short one ("1") may well be part of another.
             */
            String cellIn(String drlLine, int drlColumn) {
                String best = null;
                int bestLength = 0;
                for (Map.Entry<Integer, String> v : values.entrySet()) {
                    String text = v.getValue().strip();
                    int at = text.isEmpty() ? -1 : drlLine.indexOf(text);
                    boolean covers = drlColumn <= 0 || (at >= 0 && at <= drlColumn && drlColumn <= at + text.length() + 1);
                    if (at >= 0 && covers && text.length() > bestLength) {
                        best = columnName(v.getKey()) + number;
                        bestLength = text.length();
                    }
                }
                return best;
            }
        }

        private final List<Row> rows = new ArrayList<>();
        /** The one sheet Drools reads: "csv" for a CSV file, else the workbook's first. */
        private String sheet;
        private Row current;

        @Override
        public void startSheet(String name) {
            // not called by the workbook parser; the sheet is known before parsing
        }

        @Override
        public void finishSheet() {
            // one sheet only
        }

        @Override
        public void newRow(int rowNumber, int columns) {
            current = new Row(rowNumber + 1, new HashMap<>());
            rows.add(current);
        }

        @Override
        public void newCell(int row, int column, String value, int mergedColStart) {
            if (current != null && value != null && !value.isBlank()) {
                current.values().put(column, value);
            }
        }

        Row row(int number) {
            return rows.stream().filter(r -> r.number() == number).findFirst().orElse(null);
        }
    }
}
