package io.berth.runtime.cli;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned columns separated by at least three spaces, as runc's tabwriter prints them. */
final class Table {
    private Table() {}

    static void print(List<String[]> rows, PrintWriter out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 3));
                }
            }
            out.println(line);
        }
    }
}
