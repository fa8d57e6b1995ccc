using System.Buffers.Text;
using System.Text;

namespace ImageFrames.Sample;

/// <summary>A plane <see cref="SampleLog"/> planted: where it crosses the axis, its attitude for the stated diameter
/// (the hole is vertical and column 1 faces north), its kind (<c>bed</c> boundary or <c>fracture</c>), its trace's
/// amplitude in depth units, and its contrast in greys (the step across a bed boundary, the darkening of a fracture).</summary>
public sealed record PlantedPlane(double Depth, double Dip, double Azimuth, string Kind, double Amplitude, double Contrast);

/// <summary>What <see cref="SampleLog.Write"/> draws: the shape of the file and the seed of its picture.</summary>
public sealed record SampleLogSpec(int Rows = 5460, int Columns = 200, decimal DepthStart = 9000.1m, int Seed = 20251106, int Noise = 12)
{
    public const decimal DepthStep = 0.1m;

    /// <summary>Null when the spec can be drawn, else what is wrong with it, naming the field.</summary>
    public string? Problem =>
        Rows < 1 ? $"rows must be at least 1, was {Rows}"
        : Columns < 1 ? $"columns must be at least 1, was {Columns}"
        : decimal.Round(DepthStart, 1) != DepthStart ? $"depth start must be a multiple of {DepthStep}, was {DepthStart}"
        : Math.Abs(DepthStart) + Rows * DepthStep > 1e15m ? $"depths up to {DepthStart + Rows * DepthStep} cannot be written exactly"
        : Noise is < 0 or > 100 ? $"noise must be 0 to 100 greys, was {Noise}"
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

        var (beds, fractures, washoutStart, washoutEnd) = Plan(rows, random);

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
            else DrawRow(r, grey, near[r], sin, cos, washoutStart, washoutEnd, spec.Noise, random);
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

    /// <summary>The features of the picture, drawn first from the spec's seed (the noise follows from the same generator).</summary>
    private static (Bed[] Beds, Bed[] Fractures, double WashoutStart, double WashoutEnd) Plan(int rows, Random random)
    {
        var beds = Features(rows / 40 + 1, () => new Bed(random.NextDouble() * rows, 3 + random.NextDouble() * 22,
            random.NextDouble() * 60 - 30, 0, 0, Contrast(random.NextDouble())), random);
        var fractures = Features(rows / 400 + 1, () => new Bed(random.NextDouble() * rows, 1.2,
            10 + random.NextDouble() * 50, 0, 0, -70), random);
        var washoutStart = random.NextDouble() * rows;
        return (beds, fractures, washoutStart, washoutStart + Math.Min(rows / 10.0, 300));
    }

    /// <summary>A bed's contrast from a uniform draw: 12 to 35 greys brighter or darker than its surroundings, so each
    /// boundary steps by at least 6 greys — an interpreter sees it through the speckle, and a picker scored on the
    /// planted planes is scored on planes there are to see.</summary>
    private static double Contrast(double draw) => Math.Sign(draw - 0.5) * (12 + 23 * Math.Abs(draw - 0.5) * 2);

    /// <summary>
    /// The planes the picture holds, as a hole of <paramref name="diameter"/> (in depth units) would show them,
    /// sorted by depth: each bed's two boundaries (its band's edges, where the grey steps by half its contrast)
    /// and each fracture (a thin dark trace). A feature's row offset at column angle θ is A·sin(θ + p), so its
    /// deepest point is at 90° − p (A > 0) or 270° − p, and its amplitude |A| rows. Only planes crossing the axis
    /// below the casing rows and above the last row are listed.
    /// </summary>
    public static IReadOnlyList<PlantedPlane> Planes(SampleLogSpec spec, double diameter)
    {
        if (spec.Problem is { } problem) throw new ArgumentException(problem, nameof(spec));
        var (beds, fractures, _, _) = Plan(spec.Rows, new Random(spec.Seed));
        var step = (double)SampleLogSpec.DepthStep;
        var planted = new List<PlantedPlane>();
        void Add(Bed f, double row, string kind, double contrast)
        {
            if (row < CasingRows || row > spec.Rows - 1) return;
            var phase = Interpret.Plane.Degrees(Math.Atan2(f.SinPhase, f.CosPhase));
            var trace = new Interpret.Sinusoid((double)spec.DepthStart + row * step, Math.Abs(f.Amplitude) * step, f.Amplitude >= 0 ? 90 - phase : 270 - phase);
            var plane = trace.Apparent(diameter);
            planted.Add(new PlantedPlane(trace.Depth, plane.Dip, plane.Azimuth, kind, trace.Amplitude, contrast));
        }
        foreach (var bed in beds)
        {
            Add(bed, bed.Centre - bed.Thickness, "bed", bed.Contrast / 2);
            Add(bed, bed.Centre + bed.Thickness, "bed", bed.Contrast / 2);
        }
        foreach (var fracture in fractures) Add(fracture, fracture.Centre, "fracture", fracture.Contrast);
        return planted.OrderBy(p => p.Depth).ToList();
    }

    /// <summary>The depths (top, bottom) of the log's washout: rows where the picture is up to ±30 greys noisier and its
    /// contrast 40 % lower, as an enlarged hole makes it — what a picker scored on the planted planes cannot see there.</summary>
    public static (double Top, double Bottom) Washout(SampleLogSpec spec)
    {
        if (spec.Problem is { } problem) throw new ArgumentException(problem, nameof(spec));
        var (_, _, start, end) = Plan(spec.Rows, new Random(spec.Seed));
        var step = (double)SampleLogSpec.DepthStep;
        return ((double)spec.DepthStart + start * step, (double)spec.DepthStart + end * step);
    }

    private static void DrawRow(int r, double[] grey, Bed[] near, double[] sin, double[] cos,
        double washoutStart, double washoutEnd, int noise, Random random)
    {
        // Slow trends (compaction, lithology) under everything, then each nearby feature where its sinusoid
        // passes within its half-thickness of this row, with soft edges.
        var background = 125 + 35 * Math.Sin(r / 97.0) + 18 * Math.Sin(r / 13.0);
        // A washout fades in and out over 20 rows, as a hole enlarges gradually: no step a picker would take for a bed.
        var washout = r >= washoutStart && r < washoutEnd ? Math.Clamp(Math.Min(r - washoutStart, washoutEnd - r) / 20, 0.05, 1) : 0;
        for (var c = 0; c < grey.Length; c++)
        {
            var v = background;
            foreach (var f in near)
            {
                var distance = Math.Abs(r - (f.Centre + f.Amplitude * (sin[c] * f.CosPhase + cos[c] * f.SinPhase)));
                if (distance < f.Thickness) v += f.Contrast * (1 - distance / f.Thickness * 0.5);
            }
            if (washout > 0) v = v * (1 - 0.4 * washout) + washout * random.Next(-30, 31);
            grey[c] = v + random.Next(-noise, noise + 1);
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
