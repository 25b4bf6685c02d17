package io.albireo.volumedriver.internal.command;

import java.util.List;

import org.apache.karaf.shell.support.table.ShellTable;

/** Prints the rows and details of {@link VolumeText} with Karaf's table. */
final class Tables {
    private Tables() {
    }

    static void rows(List<String> header, List<List<String>> rows) {
        ShellTable table = new ShellTable();
        header.forEach(table::column);
        rows.forEach(r -> table.addRow().addContent(r.toArray()));
        table.print(System.out);
    }

    static void details(List<String[]> lines) {
        ShellTable table = new ShellTable().noHeaders();
        table.column("what");
        table.column("value");
        lines.forEach(l -> table.addRow().addContent(l[0], l[1]));
        table.print(System.out);
    }
}
