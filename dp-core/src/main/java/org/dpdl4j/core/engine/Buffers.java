package org.dpdl4j.core.engine;

import java.util.ArrayList;
import java.util.List;

/** The reusable buffers ({@link Scratch} slots) of one step, so the engine can poison or drop them together. */
final class Buffers {

    private final List<Scratch> slots = new ArrayList<>();

    /** A new slot owned by this group. */
    Scratch slot() {
        Scratch s = new Scratch();
        slots.add(s);
        return s;
    }

    /** Elements held by all slots. */
    long capacity() {
        long n = 0;
        for (Scratch s : slots) {
            n += s.capacity();
        }
        return n;
    }

    void poison() {
        slots.forEach(Scratch::poison);
    }

    void release() {
        slots.forEach(Scratch::release);
    }
}
