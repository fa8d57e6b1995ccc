using System.Buffers.Text;
using System.Text;

namespace ImageFrames.Sample;

/// <summary>What <see cref="SampleLog.Write"/> draws: the shape of the file and the seed of its picture.</summary>
public sealed record SampleLogSpec(int Rows = 5460, int Columns = 200, decimal DepthStart = 9000.1m, int Seed = 20251106)
{
    public const decimal DepthStep = 0.1m;

    /// <summary>Null when the spec can be drawn, else what is wrong with it, naming the field.</summary>
    public string? Problem =>
        Rows < 1 ? $"rows must be at least 1, was {Rows}"
        : Columns < 1 ? $"columns must be at least 1, was {Columns}"
        : decimal.Round(DepthStart, 1) != DepthStart ? $"depth start must be a multiple of {DepthStep}, was {DepthStart}"
        : Math.Abs(DepthStart) + Rows * DepthStep > 1e15m ? $"depths up to {DepthStart + Rows * DepthStep} cannot be written exactly"
        : null;
}

/// <summary>
/// A synthetic depth-indexed image log shaped like the ones the service ingests: header
/// <c>depth,col1..colN</c>, one row per 0.1 depth unit written with one decimal, integer greys 13..237, and one
/// trailing all-empty row (real exports end with one). The picture looks like a borehole image unrolled
/// around the hole: a bright flat zone at the top (the tool still in casing), layered beds that dip across
/// the azimuth columns as sinusoids, a few thin dark fractures, a washed-out darker zone, and speckle noise,
/// so colour maps, resizing and tests have real structure to work on. Deterministic for a given spec.
/// </summary>
public static class SampleLog
{
    private const int CasingRows = 12;
    private const byte CasingGrey = 224;
    // Real tools rarely use the whole 0..255 range; the logs this mimics stay within 13..237.
    private const int DarkestGrey = 13, BrightestGrey = 237;

    private sealed record Bed(double Centre, double Thickness, double Amplitude, double SinPhase, double CosPhase, double Contrast);

    /// <summary>Writes the whole file to <paramref name="output"/> (UTF-8, LF line ends).</summary>
    public static void Write(SampleLogSpec spec, Stream output)
    {
        if (spec.Problem is { } problem) throw new ArgumentException(problem, nameof(spec));
        var random = new Random(spec.Seed);
        var (rows, columns) = (spec.Rows, spec.Columns);

        // Every feature is a sinusoid across the azimuth columns: precompute sin and cos of each column's angle
        // once, so a feature's offset at a column is a multiply-add (sin(a + p) = sin a cos p + cos a sin p).
        var sin = new double[columns];
        var cos = new double[columns];
        for (var c = 0; c < columns; c++) (sin[c], cos[c]) = Math.SinCos(2 * Math.PI * c / columns);

        var beds = Features(rows / 40 + 1, () => new Bed(random.NextDouble() * rows, 3 + random.NextDouble() * 22,
            random.NextDouble() * 60 - 30, 0, 0, random.NextDouble() * 70 - 35), random);
        var fractures = Features(rows / 400 + 1, () => new Bed(random.NextDouble() * rows, 1.2,
            10 + random.NextDouble() * 50, 0, 0, -70), random);
        var washoutStart = random.NextDouble() * rows;
        var washoutEnd = washoutStart + Math.Min(rows / 10.0, 300);

        var near = Bucket(beds, rows).Zip(Bucket(fractures, rows), (b, f) => b.Concat(f).ToArray()).ToArray();
        var line = new byte[32 + columns * 4];
        var grey = new double[columns];
        using var buffered = new BufferedStream(output, 1 << 16);
        WriteHeader(buffered, columns);
        var depthTenths = (long)(spec.DepthStart * 10);
        for (var r = 0; r < rows; r++, depthTenths++)
        {
            var n = FormatTenths(depthTenths, line);
            if (r < CasingRows) Array.Fill(grey, CasingGrey);
            else DrawRow(r, grey, near[r], sin, cos, washoutStart, washoutEnd, random);
            foreach (var value in grey)
            {
                line[n++] = (byte)',';
                Utf8Formatter.TryFormat((int)Math.Clamp(Math.Round(value), DarkestGrey, BrightestGrey), line.AsSpan(n), out var written);
                n += written;
            }
            line[n++] = (byte)'\n';
            buffered.Write(line, 0, n);
        }
        buffered.Write(Encoding.ASCII.GetBytes(new string(',', columns) + "\n"));
    }

    private static void DrawRow(int r, double[] grey, Bed[] near, double[] sin, double[] cos,
        double washoutStart, double washoutEnd, Random random)
    {
        // Slow trends (compaction, lithology) under everything, then each nearby feature where its sinusoid
        // passes within its half-thickness of this row, with soft edges.
        var background = 125 + 35 * Math.Sin(r / 97.0) + 18 * Math.Sin(r / 13.0);
        var washout = r >= washoutStart && r < washoutEnd;
        for (var c = 0; c < grey.Length; c++)
        {
            var v = background;
            foreach (var f in near)
            {
                var distance = Math.Abs(r - (f.Centre + f.Amplitude * (sin[c] * f.CosPhase + cos[c] * f.SinPhase)));
                if (distance < f.Thickness) v += f.Contrast * (1 - distance / f.Thickness * 0.5);
            }
            if (washout) v = v * 0.6 + random.Next(-30, 31);
            grey[c] = v + random.Next(-12, 13);
        }
    }

    private static Bed[] Features(int count, Func<Bed> draw, Random random) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var (s, c) = Math.SinCos(random.NextDouble() * 2 * Math.PI);
            return draw() with { SinPhase = s, CosPhase = c };
        }).ToArray();

    /// <summary>For each row, the features that can touch it (their centre ± amplitude ± thickness), so a row
    /// only looks at its neighbours and the whole file takes linear time.</summary>
    private static List<Bed>[] Bucket(Bed[] features, int rows)
    {
        var buckets = new List<Bed>[rows];
        for (var r = 0; r < rows; r++) buckets[r] = [];
        foreach (var f in features)
        {
            var extent = Math.Abs(f.Amplitude) + f.Thickness + 1;
            var (from, to) = ((int)Math.Max(0, f.Centre - extent), (int)Math.Min(rows - 1, f.Centre + extent));
            for (var r = from; r <= to; r++) buckets[r].Add(f);
        }
        return buckets;
    }

    private static void WriteHeader(Stream output, int columns)
    {
        var header = new StringBuilder("depth");
        for (var c = 1; c <= columns; c++) header.Append(",col").Append(c);
        output.Write(Encoding.ASCII.GetBytes(header.Append('\n').ToString()));
    }

    /// <summary>Writes tenths of a depth unit with exactly one decimal (90001 → "9000.1", -5 → "-0.5").</summary>
    private static int FormatTenths(long tenths, byte[] line)
    {
        var n = 0;
        if (tenths < 0) line[n++] = (byte)'-';
        var magnitude = Math.Abs(tenths);
        Utf8Formatter.TryFormat(magnitude / 10, line.AsSpan(n), out var written);
        n += written;
        line[n++] = (byte)'.';
        line[n++] = (byte)('0' + magnitude % 10);
        return n;
    }
}
