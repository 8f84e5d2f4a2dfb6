package org.dpdl4j.dl4j.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class LayerSelectionTest {

    private final MultiLayerNetwork net = TestNets.regularizedCnn(1, DataType.FLOAT); // conv, pool, dense, out

    @Test
    void selectsByIndexNameBlockAndPosition() {
        assertEquals(Set.of(0, 2, 3), LayerSelection.all().resolve(net));
        assertEquals(Set.of(2), LayerSelection.indices(1, 2).resolve(net), "parameter-free layers drop out");
        assertEquals(Set.of(0, 3), LayerSelection.names("conv", "out").resolve(net));
        assertEquals(Set.of(0, 2), LayerSelection.block(0, 2).resolve(net));
        assertEquals(Set.of(0), LayerSelection.firstBlock().resolve(net));
        assertEquals(Set.of(2), LayerSelection.middleBlock().resolve(net));
        assertEquals(Set.of(3), LayerSelection.lastLayer().resolve(net));
        assertEquals(Set.of(0, 3), LayerSelection.firstBlock().and(LayerSelection.lastLayer()).resolve(net));
        assertEquals(List.of(List.of(0, 1), List.of(2), List.of(3)), LayerSelection.blocks(net));
        assertEquals(LayerSelection.indices(1, 2), LayerSelection.indices(1, 2));
    }

    @Test
    void explainsSelectionsTheNetworkDoesNotHave() {
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> LayerSelection.indices(7).resolve(net));
        assertTrue(range.getMessage().contains("layers 0..3"), range.getMessage());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> LayerSelection.names("decoder").resolve(net));
        assertTrue(name.getMessage().contains("'conv'"), name.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> LayerSelection.indices(1).resolve(net));
        assertTrue(empty.getMessage().contains("no layer with parameters"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerSelection.block(3, 1));
        assertThrows(IllegalArgumentException.class, () -> LayerSelection.indices());
    }
}
