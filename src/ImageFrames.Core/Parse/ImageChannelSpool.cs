using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ImageFrames.Normalize;

namespace ImageFrames.Parse;

/// <summary>Where a log's data came from: the well, field and company its file names (DLIS ORIGIN, LAS ~W).</summary>
public sealed record WellOrigin(string? WellName, string? FieldName, string? Company);

/// <summary>Where one image channel came from, for the dataset's metadata. <see cref="LogicalFile"/>,
/// <see cref="Frame"/> and <see cref="RepresentationCode"/> are DLIS's; a LAS file has one of each.</summary>
public sealed record ImageChannelSource(
    string Format, int LogicalFile, string? FileHeaderId, string Frame, string Channel, string? LongName, string Units,
    string Dimension, string? RepresentationCode, string? IndexType, string? Direction, string IndexChannel, string IndexUnits,
    string DepthUnit, string? DepthNote, WellOrigin? Origin);

/// <summary>A 1-D curve sampled in the same frames as an image (gamma ray, caliper …), kept with its dataset.</summary>
public sealed record CurveSource(string Name, string? LongName, string Units, string? RepresentationCode);

/// <summary>A curve row handed out in depth order: the depth, then one value per curve (NaN where absent).</summary>
public delegate void CurveRowAction(double depth, ReadOnlySpan<double> values);

/// <summary>
/// The "rows of an image channel" every file format is read into: one image channel's rows, resized to the
/// stored width, parked in a temporary file while the rest of the file is read. A static normalisation needs the
/// whole channel's distribution before the first grey can be written, and the input (a blob, a request body) can
/// be read only once. Memory stays one row, whatever the file size. Each row on disk: depth (float64, in
/// <see cref="ImageChannelSource.DepthUnit"/>), frame number (int32), then the resized values (float32, NaN where
/// absent); the frame's curves go to a small file of their own (depth, then float64 each, NaN where absent), so
/// storing them reads a few bytes a row, not the image again.
/// </summary>
public sealed class ImageChannelSpool : IDisposable
{
    private const int ValuesAt = 12;
    private readonly FileStream _file;
    private readonly FileStream? _curves;
    private readonly byte[] _row, _curveRow;
    private readonly float[] _values;
    private double _lastDepth = double.NegativeInfinity;

    public ImageChannelSpool(ImageChannelSource source, int sourceWidth, int width, bool integerCode, string folder, IReadOnlyList<CurveSource>? curves = null)
    {
        (Source, SourceWidth, Width, IntegerCode, Curves) = (source, sourceWidth, width, integerCode, curves ?? []);
        _row = new byte[RowBytes];
        _curveRow = new byte[CurveRowBytes];
        _values = new float[width];
        _file = Spool(folder);
        if (Curves.Count > 0) _curves = Spool(folder);
    }

    private static FileStream Spool(string folder) =>
        new(Path.Combine(folder, $"frames-image-{Guid.NewGuid():N}.spool"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.SequentialScan);

    public ImageChannelSource Source { get; }
    public int SourceWidth { get; }
    public int Width { get; }
    public IReadOnlyList<CurveSource> Curves { get; }

    /// <summary>The channel's samples are integers (USHORT … ULONG), which may keep their values as greys.</summary>
    public bool IntegerCode { get; }

    public ValueHistogram Histogram { get; } = new();
    public int Rows { get; private set; }
    public double DepthMin { get; private set; } = double.PositiveInfinity;
    public double DepthMax { get; private set; } = double.NegativeInfinity;

    /// <summary>Every row came deeper than the one before (the rows need no sorting).</summary>
    public bool Ascending { get; private set; } = true;

    private int RowBytes => ValuesAt + Width * 4;
    private int CurveRowBytes => 8 + Curves.Count * 8;

    public void Append(double depth, int frameNumber, ReadOnlySpan<double> curves, ReadOnlySpan<float> values)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_row, depth);
        BinaryPrimitives.WriteInt32LittleEndian(_row.AsSpan(8), frameNumber);
        MemoryMarshal.AsBytes(values).CopyTo(_row.AsSpan(ValuesAt));
        _file.Write(_row);
        if (_curves is not null)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_curveRow, depth);
            MemoryMarshal.AsBytes(curves[..Curves.Count]).CopyTo(_curveRow.AsSpan(8));
            _curves.Write(_curveRow);
        }
        Histogram.Add(values);
        Rows++;
        Ascending &= depth > _lastDepth;
        _lastDepth = depth;
        DepthMin = Math.Min(DepthMin, depth);
        DepthMax = Math.Max(DepthMax, depth);
    }

    /// <summary>The normalisation this channel gets: integers already 0..255 with nothing absent keep their
    /// values; everything else the configured kind.</summary>
    public StaticNormalization Normalization(NormalizationKind configured, (double Low, double High)? clipPercent = null) =>
        IntegerCode && Histogram.Absent == 0 && Histogram.Min >= 0 && Histogram.Max <= 255 ? StaticNormalization.Identity()
        : configured == NormalizationKind.Linear ? StaticNormalization.Linear(Histogram, clipPercent)
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
            _row.AsSpan(ValuesAt).CopyTo(MemoryMarshal.AsBytes(_values.AsSpan()));
            normalization.Apply(_values, batch.Row(i));
        }
        return batch.Count > 0;
    }

    /// <summary>
    /// Hands every row's curves to <paramref name="each"/> in ascending depth: in file order when the rows came
    /// ascending, else (logged upward, or in no order) through the depths sorted in memory — 12 bytes a row —
    /// and each row's curves read where they lie.
    /// </summary>
    public void ReadCurvesByDepth(CurveRowAction each)
    {
        if (_curves is null || Rows == 0) return;
        _curves.Flush();
        _curves.Position = 0;
        var curves = new double[Curves.Count];
        var curveBytes = MemoryMarshal.AsBytes(curves.AsSpan());
        if (Ascending)
        {
            for (var r = 0; r < Rows; r++)
            {
                _curves.ReadExactly(_curveRow);
                _curveRow.AsSpan(8).CopyTo(curveBytes);
                each(BinaryPrimitives.ReadDoubleLittleEndian(_curveRow), curves);
            }
            return;
        }
        var depths = new double[Rows];
        var order = new int[Rows];
        for (var r = 0; r < Rows; r++)
        {
            _curves.ReadExactly(_curveRow);
            depths[r] = BinaryPrimitives.ReadDoubleLittleEndian(_curveRow);
            order[r] = r;
        }
        Array.Sort(depths, order);
        for (var i = 0; i < Rows; i++)
        {
            RandomAccess.Read(_curves.SafeFileHandle, curveBytes, (long)order[i] * CurveRowBytes + 8);
            each(depths[i], curves);
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _curves?.Dispose();
    }
}
