using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ImageFrames.Normalize;

namespace ImageFrames.Parse.Dlis;

/// <summary>Where one DLIS image channel came from, for the dataset's metadata.</summary>
public sealed record ImageChannelSource(
    string Format, int LogicalFile, string? FileHeaderId, string Frame, string Channel, string? LongName, string Units,
    string Dimension, string RepresentationCode, string? IndexType, string? Direction, string IndexChannel, string IndexUnits,
    string DepthUnit, string? DepthNote, DlisOrigin? Origin);

/// <summary>
/// One image channel's rows, resized to the stored width, parked in a temporary file while the rest of the file
/// is read: a static normalisation needs the whole channel's distribution before the first grey can be written,
/// and the input (a blob, a request body) can be read only once. Memory stays one row, whatever the file size.
/// Each row on disk: depth (float64, in <see cref="ImageChannelSource.DepthUnit"/>), frame number (int32), then
/// the resized values (float32, NaN where absent).
/// </summary>
public sealed class ImageChannelSpool : IDisposable
{
    private readonly FileStream _file;
    private readonly byte[] _row;
    private readonly float[] _values;

    public ImageChannelSpool(ImageChannelSource source, int sourceWidth, int width, bool integerCode, string folder)
    {
        (Source, SourceWidth, Width, IntegerCode) = (source, sourceWidth, width, integerCode);
        _row = new byte[RowBytes];
        _values = new float[width];
        _file = new FileStream(Path.Combine(folder, $"frames-dlis-{Guid.NewGuid():N}.spool"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.SequentialScan);
    }

    public ImageChannelSource Source { get; }
    public int SourceWidth { get; }
    public int Width { get; }

    /// <summary>The channel's samples are integers (USHORT … ULONG), which may keep their values as greys.</summary>
    public bool IntegerCode { get; }

    public ValueHistogram Histogram { get; } = new();
    public int Rows { get; private set; }
    public double DepthMin { get; private set; } = double.PositiveInfinity;
    public double DepthMax { get; private set; } = double.NegativeInfinity;

    private int RowBytes => 12 + Width * 4;

    public void Append(double depth, int frameNumber, ReadOnlySpan<float> values)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_row, depth);
        BinaryPrimitives.WriteInt32LittleEndian(_row.AsSpan(8), frameNumber);
        MemoryMarshal.AsBytes(values).CopyTo(_row.AsSpan(12));
        _file.Write(_row);
        Histogram.Add(values);
        Rows++;
        DepthMin = Math.Min(DepthMin, depth);
        DepthMax = Math.Max(DepthMax, depth);
    }

    /// <summary>The normalisation this channel gets: integers already 0..255 with nothing absent keep their
    /// values; everything else the configured kind.</summary>
    public StaticNormalization Normalization(NormalizationKind configured) =>
        IntegerCode && Histogram.Absent == 0 && Histogram.Min >= 0 && Histogram.Max <= 255 ? StaticNormalization.Identity()
        : configured == NormalizationKind.Linear ? StaticNormalization.Linear(Histogram)
        : StaticNormalization.Equalize(Histogram);

    /// <summary>Back to the first row, to read the rows after the last one was appended.</summary>
    public void Rewind() => _file.Position = 0;

    /// <summary>Fills <paramref name="batch"/> with the next rows as greys; false when none were left.</summary>
    public bool Fill(FrameBatch batch, StaticNormalization normalization)
    {
        batch.Count = 0;
        while (!batch.IsFull && _file.Position < _file.Length)
        {
            _file.ReadExactly(_row);
            var i = batch.Count++;
            batch.Depths[i] = BinaryPrimitives.ReadDoubleLittleEndian(_row);
            batch.Lines[i] = BinaryPrimitives.ReadInt32LittleEndian(_row.AsSpan(8));
            _row.AsSpan(12).CopyTo(MemoryMarshal.AsBytes(_values.AsSpan()));
            normalization.Apply(_values, batch.Row(i));
        }
        return batch.Count > 0;
    }

    public void Dispose() => _file.Dispose();
}
