package dev.cove.sdk.files;

/** What a path is. */
public enum FileType {
    FILE, DIR, SYMLINK, UNKNOWN;

    static FileType of(String wire) {
        if (wire == null) return UNKNOWN;
        switch (wire) {
            case "FILE_TYPE_FILE": case "file": return FILE;
            case "FILE_TYPE_DIRECTORY": case "dir": case "directory": return DIR;
            case "FILE_TYPE_SYMLINK": case "symlink": return SYMLINK;
            default: return UNKNOWN;
        }
    }
}
