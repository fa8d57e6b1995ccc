namespace ImageFrames.Parse;

/// <summary>A reusable block of parsed, resized rows handed from the parser to the store. Batches are
/// recycled through the ingest pipeline, so a whole file passes through a fixed, small amount of memory.</summary>
public sealed class FrameBatch(int capacity, int width)
{
    public int Capacity { get; } = capacity;
    public int Width { get; } = width;
    public double[] Depths { get; } = new double[capacity];
    public int[] Lines { get; } = new int[capacity];
    public byte[] Pixels { get; } = new byte[capacity * width];
    public int Count { get; set; }

    public bool IsFull => Count == Capacity;
    public Span<byte> Row(int index) => Pixels.AsSpan(index * Width, Width);
}
