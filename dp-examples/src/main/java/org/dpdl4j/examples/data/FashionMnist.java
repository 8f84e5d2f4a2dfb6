package org.dpdl4j.examples.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28x28 grey-scale images of clothing in 10 balanced classes, 60,000
 * for training and 10,000 for testing, read from the gzip IDX files of the Debian package
 * {@code dataset-fashion-mnist}. Nothing is downloaded.
 *
 * <p>The files are looked up in the directory named by the system property {@value #DIR_VARIABLE}, else the
 * environment variable of the same name, else {@value #DEFAULT_DIR}.
 *
 * <p>An instance is an immutable, in-memory set of examples. Pixels are scaled to [0, 1] in single precision. Every
 * accessor that returns an {@link INDArray} builds a fresh FLOAT array, so callers that need it repeatedly should
 * keep it. {@link #subset} and {@link #split} are deterministic in their seed.
 *
 * <p>Hyper-parameter tuning must use {@link #trainValidation}, never {@link #test()}: with differential privacy the
 * point is that the reported test accuracy was not chosen by looking at the test set.
 */
public final class FashionMnist {

    /** System property and environment variable that override the data directory. */
    public static final String DIR_VARIABLE = "DPDL4J_FASHION_MNIST_DIR";
    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

    /** Image height and width. */
    public static final int SIDE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Number of classes. */
    public static final int CLASSES = 10;

    /** Number of training examples in the published data set. */
    public static final int TRAIN_SIZE = 60_000;
    /** Number of test examples in the published data set. */
    public static final int TEST_SIZE = 10_000;

    /** Class names in label order. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

    static final String REMEDY = "Install Fashion-MNIST with `apt-get install dataset-fashion-mnist` (or reinstall "
            + "it if the file is damaged), or set " + DIR_VARIABLE + " (system property or environment variable) to a "
            + "directory holding " + TRAIN_IMAGES + ", " + TRAIN_LABELS + ", " + TEST_IMAGES + " and " + TEST_LABELS;

    /** A disjoint training and validation part of the training set. */
    public record Split(FashionMnist train, FashionMnist validation) {
    }

    private final String name;
    private final float[] pixels;
    private final int[] labels;

    private FashionMnist(String name, float[] pixels, int[] labels) {
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** The directory the files are read from: the override if set, else {@value #DEFAULT_DIR}. */
    public static Path directory() {
        String dir = System.getProperty(DIR_VARIABLE);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(DIR_VARIABLE);
        }
        return Path.of(dir == null || dir.isBlank() ? DEFAULT_DIR : dir);
    }

    /** Whether all four files exist and are readable in {@link #directory()}; says nothing about their content. */
    public static boolean isAvailable() {
        return isAvailable(directory());
    }

    /** Whether all four files exist and are readable in {@code dir}. */
    public static boolean isAvailable(Path dir) {
        for (String f : List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)) {
            if (!Files.isReadable(dir.resolve(f))) {
                return false;
            }
        }
        return true;
    }

    /** The 60,000 training examples. Takes about a second; call once and keep the result. */
    public static FashionMnist train() {
        return train(directory());
    }

    /** The training examples from {@code dir}. */
    public static FashionMnist train(Path dir) {
        return load("train", dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS));
    }

    /** The 10,000 test examples. Report final accuracy on these; never tune on them. */
    public static FashionMnist test() {
        return test(directory());
    }

    /** The test examples from {@code dir}. */
    public static FashionMnist test(Path dir) {
        return load("test", dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS));
    }

    /** {@code train().split(validationSize, seed)}: the only sanctioned source of data for tuning. */
    public static Split trainValidation(int validationSize, long seed) {
        return train().split(validationSize, seed);
    }

    /**
     * Reads any pair of gzip IDX files in the Fashion-MNIST layout (28x28 unsigned-byte images, labels 0..9).
     *
     * @throws DatasetFileException if a file is missing, unreadable or malformed, or the counts disagree
     */
    public static FashionMnist load(String name, Path imagesFile, Path labelsFile) {
        Idx.Images images = Idx.readImages(imagesFile, SIDE, SIDE, REMEDY);
        int[] labels = Idx.readLabels(labelsFile, CLASSES, REMEDY);
        if (images.count() != labels.length) {
            throw new DatasetFileException(labelsFile, "Data files disagree: " + imagesFile + " holds "
                    + images.count() + " images but " + labelsFile + " holds " + labels.length + " labels. " + REMEDY);
        }
        return new FashionMnist(name, images.pixels(), labels);
    }

    /** A short description of where these examples came from, such as {@code train/validation(5000, seed 1)}. */
    public String name() {
        return name;
    }

    /** Number of examples. */
    public int size() {
        return labels.length;
    }

    // createFromArray copies into off-heap memory, so the returned arrays never alias this immutable instance.

    /** Features as a new FLOAT matrix {@code [size, 784]} in [0, 1], row-major pixels: what dense layers take. */
    public INDArray features() {
        return Nd4j.createFromArray(pixels).reshape('c', size(), PIXELS);
    }

    /** Features as a new FLOAT array {@code [size, 1, 28, 28]} (NCHW): what a convolutional input type takes. */
    public INDArray imageFeatures() {
        return Nd4j.createFromArray(pixels).reshape('c', size(), 1, SIDE, SIDE);
    }

    /** One-hot labels as a new FLOAT matrix {@code [size, 10]}. */
    public INDArray oneHotLabels() {
        float[] oneHot = new float[size() * CLASSES];
        for (int i = 0; i < labels.length; i++) {
            oneHot[i * CLASSES + labels[i]] = 1f;
        }
        return Nd4j.createFromArray(oneHot).reshape('c', size(), CLASSES);
    }

    /** Class labels 0..9, a copy. */
    public int[] labels() {
        return labels.clone();
    }

    /** The class label of example {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** {@link #features()} with {@link #oneHotLabels()}. */
    public DataSet toDataSet() {
        return new DataSet(features(), oneHotLabels());
    }

    /** {@link #imageFeatures()} with {@link #oneHotLabels()}. */
    public DataSet toImageDataSet() {
        return new DataSet(imageFeatures(), oneHotLabels());
    }

    /**
     * {@code n} examples drawn without replacement, the same ones for the same seed, kept in their original order
     * (so that a subset of a subset is predictable and the source order is not silently reshuffled).
     */
    public FashionMnist subset(int n, long seed) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException("subset size " + n + " outside [0, " + size() + "] of " + name);
        }
        int[] perm = permutation(size(), seed);
        int[] chosen = Arrays.copyOf(perm, n);
        Arrays.sort(chosen);
        return select(chosen, name + "/subset(" + n + ", seed " + seed + ")");
    }

    /**
     * Splits these examples into disjoint training and validation parts; {@code validationSize} examples drawn at
     * random by {@code seed} go to validation, the rest (in original order) to training.
     */
    public Split split(int validationSize, long seed) {
        if (validationSize < 0 || validationSize > size()) {
            throw new IllegalArgumentException("validation size " + validationSize + " outside [0, " + size()
                    + "] of " + name);
        }
        int[] perm = permutation(size(), seed);
        int[] validation = Arrays.copyOfRange(perm, 0, validationSize);
        int[] training = Arrays.copyOfRange(perm, validationSize, perm.length);
        Arrays.sort(validation);
        Arrays.sort(training);
        String tag = "(" + validationSize + ", seed " + seed + ")";
        return new Split(select(training, name + "/train" + tag), select(validation, name + "/validation" + tag));
    }

    /**
     * The indices (into these examples, ascending) that {@link #split(int, long)} puts into the validation part:
     * to state exactly which examples were held out, e.g. as public data.
     */
    public int[] validationIndices(int validationSize, long seed) {
        if (validationSize < 0 || validationSize > size()) {
            throw new IllegalArgumentException("validation size " + validationSize + " outside [0, " + size()
                    + "] of " + name);
        }
        int[] validation = Arrays.copyOfRange(permutation(size(), seed), 0, validationSize);
        Arrays.sort(validation);
        return validation;
    }

    /** Changes one image in place: {@code pixels} holds its 784 values in [0, 1], {@code index} is its position. */
    @FunctionalInterface
    public interface ImageTransform {
        void apply(float[] pixels, int index);
    }

    /**
     * A copy with every image changed by {@code transform} (given a fresh copy of each image and its index, so that a
     * deterministic transform gives the same set every time); labels unchanged. The name gets {@code "/" + tag}.
     */
    public FashionMnist transformed(String tag, ImageTransform transform) {
        float[] p = pixels.clone();
        float[] image = new float[PIXELS];
        for (int i = 0; i < size(); i++) {
            System.arraycopy(p, i * PIXELS, image, 0, PIXELS);
            transform.apply(image, i);
            System.arraycopy(image, 0, p, i * PIXELS, PIXELS);
        }
        return new FashionMnist(name + "/" + tag, p, labels.clone());
    }

    /**
     * A copy with every label mapped by {@code map} (which must return a class in 0..9); images unchanged.
     *
     * @throws IllegalArgumentException if the map leaves 0..9
     */
    public FashionMnist relabeled(String tag, java.util.function.IntUnaryOperator map) {
        int[] l = new int[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = map.applyAsInt(labels[i]);
            if (l[i] < 0 || l[i] >= CLASSES) {
                throw new IllegalArgumentException("label map sends " + labels[i] + " to " + l[i] + ", outside 0..9");
            }
        }
        return new FashionMnist(name + "/" + tag, pixels.clone(), l);
    }

    private FashionMnist select(int[] indices, String newName) {
        float[] p = new float[indices.length * PIXELS];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * PIXELS, p, k * PIXELS, PIXELS);
            l[k] = labels[indices[k]];
        }
        return new FashionMnist(newName, p, l);
    }

    // Fisher-Yates with java.util.Random: its sequence is specified by the JDK, so a seed means the same examples
    // on every JVM and platform.
    private static int[] permutation(int n, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random rng = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    @Override
    public String toString() {
        return "FashionMnist[" + name + ", " + size() + " examples]";
    }
}
