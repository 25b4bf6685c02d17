package io.albireo.asd.internal;

import com.sun.jna.Native;

/**
 * The libc calls the JDK has no API for, bound by JNA once per class loader: syncfs(2) for the {@code syncfs} mode,
 * fallocate(2) to punch the holes that free a segment's dead values.
 */
final class LibC {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_DIRECTORY = 0200000;
    static final int O_CLOEXEC = 02000000;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    static {
        Native.register("c");
    }

    private LibC() {
    }

    static native int open(String path, int flags);

    static native int close(int fd);

    static native int syncfs(int fd);

    static native int fallocate(int fd, int mode, long offset, long length);

    /** @return errno of the last failed call on this thread */
    static int errno() {
        return Native.getLastError();
    }
}
