package org.dpdl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.L2Normalize;
import org.dpdl4j.dl4j.postprocess.Pca;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class SparkFeaturesTest {

    @TempDir
    Path dir;

    private static int[] labels(int n, int k) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 7) % k;
        }
        return y;
    }

    /** A small CNN on 8x8 images, as a frozen backbone stand-in. */
    private static MultiLayerNetwork cnn() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void distributedExtractionEqualsSingleMachineExtraction() {
        Nd4j.getRandom().setSeed(1);
        INDArray images = Nd4j.rand(DataType.FLOAT, 37, 64);
        int[] y = labels(37, 3);
        MultiLayerNetwork net = cnn();
        INDArray expected = FeatureExtractor.ofLayer(net, 2).extract(images);
        SparkFeatures inputs = SparkFeatures.parallelize(LocalSpark.context(), images, y, 3, 3);
        SparkFeatures features = SparkFeatureExtraction.extract(inputs, net, 2, 5);
        assertEquals(12, features.dimension());
        assertEquals(37, features.size());
        INDArray[] got = features.collect();
        assertEquals(0, expected.sub(got[0]).norm2Number().doubleValue(), 1e-4);
        assertEquals(y[36], got[1].getRow(36).argMax().getInt(0));

        // Post-processing fitted on "public" rows applies the same way on the executors.
        FeaturePipeline pipeline = FeaturePipeline.of(new L2Normalize(1.0)).then(Pca.fitPublic(expected, 4, true));
        INDArray[] post = SparkFeatureExtraction.extract(inputs, net, 2, pipeline, 8).collect();
        assertEquals(4, post[0].size(1));
        assertEquals(0, pipeline.apply(expected).sub(post[0]).norm2Number().doubleValue(), 1e-4);
        INDArray[] mapped = features.map(pipeline).collect();
        assertEquals(0, post[0].sub(mapped[0]).norm2Number().doubleValue(), 1e-5);
    }

    @Test
    void featuresRoundTripThroughParquet() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.FLOAT, 25, 5);
        int[] y = labels(25, 4);
        SparkFeatures f = SparkFeatures.parallelize(LocalSpark.context(), x, y, 4, 3);
        String path = dir.resolve("features.parquet").toString();
        f.writeParquet(LocalSpark.session(), path);
        SparkFeatures back = SparkFeatures.readParquet(LocalSpark.session(), path, 4, 10);
        assertEquals(25, back.size());
        assertEquals(5, back.dimension());
        assertEquals(DataType.FLOAT, back.dataType());
        // Parquet does not keep row order across files: compare the row sets through a sort key.
        INDArray[] a = f.collect();
        INDArray[] b = back.collect();
        assertEquals(a[0].sumNumber().doubleValue(), b[0].sumNumber().doubleValue(), 1e-4);
        assertEquals(a[1].sum(0), b[1].sum(0));
    }

    @Test
    void aDataFrameRowOfTheWrongDimensionIsNamed() {
        StructType schema = new StructType().add("label", DataTypes.IntegerType)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> rows = List.of(RowFactory.create(0, new Double[] {1.0, 2.0}), RowFactory.create(1, new Double[] {1.0}));
        Dataset<Row> frame = LocalSpark.session().createDataFrame(rows, schema).coalesce(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkFeatures.fromDataFrame(frame, "x", "label", 2, 2, 100));
        assertTrue(e.getMessage().contains("partition 0, row 1: the features have 1 values but d=2"), e.getMessage());
        SparkFeatures ok = SparkFeatures.fromDataFrame(frame.limit(1), "x", "label", 2, 2, 100);
        assertEquals(1, ok.size());
        assertEquals(DataType.DOUBLE, ok.dataType());
    }
}
