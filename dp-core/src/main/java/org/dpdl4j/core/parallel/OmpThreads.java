package org.dpdl4j.core.parallel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The OpenMP thread count of the calling thread, as libnd4j's OpenMP kernels (softmax, pullRows and others)
 * see it. {@code Nd4j.getEnvironment().setMaxThreads} does not reach those kernels: they open a team of
 * {@code omp_get_max_threads()} threads, a per-thread setting that only {@code omp_set_num_threads} on the
 * same thread changes, and each idle team member then spins for milliseconds on a core the next kernel
 * needs. The backend's {@code NativeOps} exposes that call; it is looked up reflectively because library
 * modules depend on {@code nd4j-api} only, and where it is missing (another backend) these methods do nothing.
 */
final class OmpThreads {

    private static final MethodHandle GET;
    private static final MethodHandle SET;
    private static final Object OPS;

    static {
        MethodHandle get = null;
        MethodHandle set = null;
        Object ops = null;
        try {
            Class<?> holder = Class.forName("org.nd4j.nativeblas.NativeOpsHolder");
            Object instance = holder.getMethod("getInstance").invoke(null);
            ops = holder.getMethod("getDeviceNativeOps").invoke(instance);
            Class<?> api = Class.forName("org.nd4j.nativeblas.NativeOps");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            get = lookup.findVirtual(api, "ompGetMaxThreads", MethodType.methodType(int.class));
            set = lookup.findVirtual(api, "setOmpNumThreads", MethodType.methodType(void.class, int.class));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            get = null;
            set = null;
            ops = null;
        }
        GET = get;
        SET = set;
        OPS = ops;
    }

    private OmpThreads() {
    }

    /** The calling thread's OpenMP team size, or 0 where the backend does not expose it. */
    static int get() {
        if (GET == null) {
            return 0;
        }
        try {
            return (int) GET.invoke(OPS);
        } catch (Throwable e) {
            return 0;
        }
    }

    /** Sets the calling thread's OpenMP team size; does nothing for n < 1 or where not exposed. */
    static void set(int n) {
        if (SET == null || n < 1) {
            return;
        }
        try {
            SET.invoke(OPS, n);
        } catch (Throwable e) {
            // Only a speed setting: the kernels compute the same result with any team size.
        }
    }
}
