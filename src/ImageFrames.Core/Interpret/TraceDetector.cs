using System.Buffers;

namespace ImageFrames.Interpret;

/// <summary>What a detected trace looks like across the image: the edge between two levels (a bed boundary), or
/// a thin line darker or brighter than both sides (a fracture, a thin bed) — found as two opposite edges.</summary>
public enum TraceShape { Edge, DarkLine, BrightLine }

/// <summary>
/// A sinusoid found in a block of image rows, in the block's own coordinates: <see cref="Row"/> where it crosses
/// the hole's axis (fractional row), <see cref="Amplitude"/> in rows, <see cref="Phase"/> the column azimuth of
/// its deepest point (degrees), and <see cref="Log10Nfa"/> the base-10 logarithm of its number of false alarms:
/// how many traces this good pure noise would give in the whole search, so −3 means one in a thousand blocks.
/// </summary>
public readonly record struct Trace(double Row, double Amplitude, double Phase, double Log10Nfa, TraceShape Shape);

/// <summary>
/// Finds the planes an unrolled borehole image shows, as sinusoids: row(φ) = z + A·cos(φ − p) over the columns'
/// azimuths φ (column c of W at 360·c/W degrees, the image wrapping round). After Costes, Facciolo, Grompone von
/// Gioi et al. 2021, "A contrario dip picking for borehole imaging", which it follows in spirit:
/// <list type="number">
/// <item>Gradients (Sobel, wrapping across the 0°/360° seam): of the image smoothed 1-2-1 for the search, raw for the
/// validation; none where a sample they use is absent.</item>
/// <item>Search, a matched filter: for every shape (A, p) of a grid, the vertical gradient summed along the trace for
/// every crossing row at once; each row keeps its best shape per sense, amplitude band and quarter of phase, and the
/// rows where that is a local maximum are the candidates.</item>
/// <item>Refinement: hill climbing on the mean gradient across the trace, so a candidate near a graded bed's edge
/// slides onto it; a trace no sharper than its parallels three rows away (a drift, a graded bed) is dropped.</item>
/// <item>Validation <b>a contrario</b> (<see cref="Validate"/>): how unlikely the trace's gradients are under noise —
/// their directions (binomial) or their sum (normal, with the scale of the search's own sums) — times the number of
/// traces tried is its number of false alarms, accepted when below ε. Accepted traces claim their pixels, most
/// meaningful first, so one edge gives one trace (the exclusion principle).</item>
/// </list>
/// Two accepted edges of opposite sense, of the same shape and a few rows apart, are one thin line.
/// </summary>
public static class TraceDetector
{
    /// <summary>The angular tolerance of an aligned gradient, as a fraction of a full turn (±22.5°): the chance
    /// that a noise gradient is aligned with a given direction in a given sense.</summary>
    public const double Precision = 1.0 / 8;

    /// <summary>Two opposite edges this many rows apart at most (and alike) are one thin line.</summary>
    private const double LineWidthRows = 4;

    /// <summary>
    /// The traces crossing the axis in rows [<paramref name="coreStart"/>, <paramref name="coreEnd"/>) of a block
    /// of <paramref name="rows"/> × <paramref name="width"/> greys (row-major; <paramref name="absent"/> marks
    /// missing samples), with amplitudes up to <paramref name="maxAmplitude"/> rows; rows outside the core give
    /// the traces there room. Sorted by row. <paramref name="log10Epsilon"/> is the acceptance threshold ε (0: at
    /// most one false trace per call expected from noise; higher finds fainter traces and more false ones).
    /// </summary>
    public static List<Trace> Detect(ReadOnlySpan<byte> greys, int rows, int width, byte? absent, int coreStart, int coreEnd,
        double maxAmplitude, double log10Epsilon = 0, int sourceWidth = 0)
    {
        if (greys.Length < rows * width) throw new ArgumentException($"{rows} rows of {width} need {rows * width} greys, got {greys.Length}", nameof(greys));
        if (rows < 5 || width < 8 || coreEnd <= coreStart) return [];
        maxAmplitude = Math.Clamp(maxAmplitude, 0.5, rows);
        var pixels = rows * width;
        var gx = ArrayPool<float>.Shared.Rent(pixels);
        var gz = ArrayPool<float>.Shared.Rent(pixels);
        var used = ArrayPool<bool>.Shared.Rent(pixels);
        var vx = ArrayPool<float>.Shared.Rent(pixels);
        var vz = ArrayPool<float>.Shared.Rent(pixels);
        try
        {
            // Raw Sobel gradients three columns apart share no sample — unless the image was widened from fewer
            // columns, which makes neighbours copies of one sample: then they must be three source columns apart.
            var step = (int)Math.Ceiling(3 * Math.Max(1, (double)width / (sourceWidth > 0 ? sourceWidth : width)) - 1e-9);
            var block = new Block(rows, width, gx, gz, vx, vz, used) { ValidationStep = step };
            if (!Gradients(greys, block, absent)) return [];
            var (peaks, sumScales) = Search(block, maxAmplitude, Math.Max(0, coreStart - 1), Math.Min(rows, coreEnd + 1));
            // The traces tried: every core row, every shape of the grid, both senses.
            var shapes = Amplitudes(maxAmplitude).Sum(PhasesOf);
            // Two tests a trace (its gradients' directions, and their sum: below), hence the 2 × 2.
            var tests = Math.Log10((coreEnd - coreStart) * shapes * 2 * 2);
            var logTail = new BinomialTail(width / step + 1, Precision);
            var sumNull = new SumNull(sumScales, (width + SearchColumnStep - 1) / SearchColumnStep);
            var candidates = new List<(Sinusoid Trace, int Sense, double Log10Nfa)>();
            var refined = new List<Sinusoid>();
            foreach (var peak in peaks)
            {
                // Refining costs tens of evaluations: not for a peak far from meaningful as found (a hundred times),
                // nor for one next to a stronger peak or trace already refined (it climbs to the same trace).
                if (refined.Any(r => Math.Abs(r.Depth - peak.Depth) <= 1.5 && Alike(r, peak))) continue;
                if (Math.Min(Validate(block, peak, 1, claimed: false, tests, logTail, sumNull), Validate(block, peak, -1, claimed: false, tests, logTail, sumNull)) > log10Epsilon + 2) continue;
                var (trace, sense) = Refine(block, peak, maxAmplitude);
                refined.Add(peak);
                refined.Add(trace);
                if (trace.Depth < coreStart - 0.5 || trace.Depth >= coreEnd - 0.5 || !IsSharp(block, trace, sense)) continue;
                // To a quarter of a row, then the last steps (to a sixteenth: the dip of a trace under a row high) only
                // for a trace that may be meaningful.
                if (Validate(block, trace, sense, claimed: false, tests, logTail, sumNull) > log10Epsilon + 1) continue;
                trace = Climb(block, trace, sense, maxAmplitude, 0.125, 0.0625);
                var nfa = Validate(block, trace, sense, claimed: false, tests, logTail, sumNull);
                if (nfa < log10Epsilon) candidates.Add((trace, sense, nfa));
            }
            // The exclusion principle: the most meaningful first; each claims its pixels, and a later one must still
            // be meaningful on the pixels nobody claimed.
            var accepted = new List<(Sinusoid Trace, int Sense, double Log10Nfa)>();
            foreach (var (trace, sense, _) in candidates.OrderBy(c => c.Log10Nfa))
            {
                var nfa = Validate(block, trace, sense, claimed: true, tests, logTail, sumNull);
                if (nfa >= log10Epsilon) continue;
                Claim(block, trace);
                accepted.Add((trace, sense, nfa));
            }
            return Lines(accepted);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(gx);
            ArrayPool<float>.Shared.Return(gz);
            ArrayPool<bool>.Shared.Return(used);
            ArrayPool<float>.Shared.Return(vx);
            ArrayPool<float>.Shared.Return(vz);
        }
    }

    /// <summary>
    /// The block's gradients, each with a Sobel kernel wrapping across the 0°/360° seam: raw (<see cref="Block.Vx"/>,
    /// <see cref="Block.Vz"/>) for validating — two of them three columns apart share no sample, so under noise the
    /// ones a validation counts are independent, as its binomial model needs — and of the image smoothed by a 1-2-1
    /// kernel both ways (<see cref="Block.Gx"/>, <see cref="Block.Gz"/>) for searching, since noise turns a raw
    /// gradient by tens of degrees at a modest step. NaN where a sample they use is absent. False when there is none.
    /// </summary>
    private static bool Gradients(ReadOnlySpan<byte> greys, Block block, byte? absent)
    {
        var (rows, width) = (block.Rows, block.Width);
        var pixels = rows * width;
        var image = ArrayPool<float>.Shared.Rent(pixels);
        var smooth = ArrayPool<float>.Shared.Rent(pixels);
        try
        {
            for (var i = 0; i < pixels; i++) image[i] = absent == greys[i] ? float.NaN : greys[i]; // NaN spreads: no gradient uses an absent sample
            Sobel(image, rows, width, block.Vx, block.Vz);
            smooth.AsSpan(0, pixels).Fill(float.NaN);
            for (var r = 1; r < rows - 1; r++)
                for (var c = 0; c < width; c++)
                {
                    var (left, right) = (c == 0 ? width - 1 : c - 1, c == width - 1 ? 0 : c + 1);
                    var sum = 0f;
                    for (var (dr, weight) = (-1, 1f); dr <= 1; dr++, weight = dr == 0 ? 2 : 1)
                    {
                        var at = (r + dr) * width;
                        sum += weight * (image[at + left] + 2 * image[at + c] + image[at + right]);
                    }
                    smooth[r * width + c] = sum / 16;
                }
            Sobel(smooth, rows, width, block.Gx, block.Gz);
            block.Used.AsSpan(0, pixels).Clear();
            for (var i = 0; i < pixels; i++)
                if (!float.IsNaN(block.Gz[i])) return true;
            return false;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(image);
            ArrayPool<float>.Shared.Return(smooth);
        }
    }

    /// <summary>Sobel gradients of an image (per column across, per row down); NaN on the first and last rows and
    /// wherever a sample used, the centre included, is NaN.</summary>
    private static void Sobel(float[] image, int rows, int width, float[] gx, float[] gz)
    {
        gx.AsSpan(0, rows * width).Fill(float.NaN);
        gz.AsSpan(0, rows * width).Fill(float.NaN);
        for (var r = 1; r < rows - 1; r++)
        {
            var (up, row, down) = ((r - 1) * width, r * width, (r + 1) * width);
            for (var c = 0; c < width; c++)
            {
                var (left, right) = (c == 0 ? width - 1 : c - 1, c == width - 1 ? 0 : c + 1);
                var centre = image[row + c] * 0; // NaN when the centre is
                gx[row + c] = (image[up + right] - image[up + left] + 2 * (image[row + right] - image[row + left]) + image[down + right] - image[down + left]) / 8 + centre;
                gz[row + c] = (image[down + left] - image[up + left] + 2 * (image[down + c] - image[up + c]) + image[down + right] - image[up + right]) / 8 + centre;
            }
        }
    }

    /// <summary>
    /// The search: for every trace shape (amplitude, phase) on a grid fine enough that neighbours differ by about a
    /// row where the trace is steepest, the vertical gradient summed along the trace for every crossing row at once
    /// (a matched filter: shifted columns added as vectors). Each row keeps the best shape of each sense in each
    /// amplitude band and quarter of phase; the rows where that is a local maximum are the candidates, strongest first.
    /// </summary>
    private static (List<Sinusoid> Peaks, double[] SumScales) Search(Block block, double maxAmplitude, int from, int to)
    {
        var (rows, width) = (block.Rows, block.Width);
        var pad = (int)Math.Ceiling(maxAmplitude) + 1;
        var length = rows + 2 * pad;
        var span = to - from;
        // The vertical gradient column by column (0 where there is none), padded with zeros above and below.
        var columns = ArrayPool<float>.Shared.Rent(width * length);
        var sum = ArrayPool<float>.Shared.Rent(span);
        var best = new (float Score, Sinusoid Trace)[2 * AmplitudeBands.Length * PhaseSectors, span];
        try
        {
            columns.AsSpan(0, width * length).Clear();
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < width; c++)
                    if (block.Gz[r * width + c] is var z && !float.IsNaN(z)) columns[c * length + pad + r] = z;
            var offsets = new int[width];
            // A sample of the sums' magnitudes (every 31st row of every shape) per amplitude band: nearly all are of
            // noise and background, so their median gives the scale of a sum where there is no plane. Per band, because
            // a flat trace sums neighbouring columns' gradients, which share samples (more so in an image widened from
            // fewer columns), and a steep one sums gradients rows apart, which do not.
            var magnitudes = AmplitudeBands.Select(_ => new List<float>()).ToArray();
            foreach (var amplitude in Amplitudes(maxAmplitude))
            {
                var phases = PhasesOf(amplitude);
                for (var p = 0; p < phases; p++)
                {
                    var phase = 360.0 * p / phases;
                    var (sinPhase, cosPhase) = Math.SinCos(Plane.Radians(phase));
                    for (var c = 0; c < width; c += SearchColumnStep)
                        offsets[c] = (int)Math.Round(amplitude * (block.Cos[c] * cosPhase + block.Sin[c] * sinPhase)); // A·cos(φ − p)
                    var total = sum.AsSpan(0, span);
                    total.Clear();
                    for (var c = 0; c < width; c += SearchColumnStep)
                        Add(total, columns.AsSpan(c * length + pad + from + offsets[c], span));
                    for (var z = p % 31; z < span; z += 31) magnitudes[AmplitudeBand(amplitude)].Add(Math.Abs(total[z]));
                    var band = 2 * (AmplitudeBand(amplitude) * PhaseSectors + (amplitude > 4 ? (int)(phase / (360.0 / PhaseSectors)) : 0));
                    for (var z = 0; z < span; z++)
                    {
                        var v = total[z];
                        if (v > best[band, z].Score) best[band, z] = (v, new Sinusoid(z + from, amplitude, phase));
                        if (-v > best[band + 1, z].Score) best[band + 1, z] = (-v, new Sinusoid(z + from, amplitude, phase));
                    }
                }
            }
            var peaks = new List<(float Score, Sinusoid Trace)>();
            for (var sense = 0; sense < best.GetLength(0); sense++)
                for (var z = 0; z < span; z++)
                {
                    var v = best[sense, z].Score;
                    if (v > 0 && (z == 0 || v >= best[sense, z - 1].Score) && (z == span - 1 || v > best[sense, z + 1].Score)) peaks.Add(best[sense, z]);
                }
            var scales = magnitudes.Select(band =>
            {
                band.Sort();
                return band.Count == 0 ? 0 : band[band.Count / 2] / 0.6745; // the median of |N(0, σ)| is 0.6745 σ
            }).ToArray();
            return (peaks.OrderByDescending(p => p.Score).Take(Math.Max(16, 2 * span)).Select(p => p.Trace).ToList(), scales);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(sum);
        }
    }

    /// <summary>The search sums every third column: the smoothed gradients of neighbouring columns share most of
    /// their samples, so the others add little but time.</summary>
    private const int SearchColumnStep = 3;

    /// <summary>Upper bounds (rows) of the amplitude bands a row keeps a best trace of each: planes crossing the
    /// axis at the same row with different dips (a fracture through a bed boundary) are both candidates.</summary>
    private static readonly double[] AmplitudeBands = [1.5, 4, 8, 16, 32, double.PositiveInfinity];

    /// <summary>Above 4 rows, a row also keeps a best trace per quarter of phase: steep planes of different dip
    /// directions crossing the axis together.</summary>
    private const int PhaseSectors = 4;

    private static int AmplitudeBand(double amplitude)
    {
        var band = 0;
        while (amplitude > AmplitudeBands[band]) band++;
        return band;
    }

    /// <summary>The amplitudes searched: every row up to 12, then 6 % apart (a dip's error grows slowly with its
    /// amplitude there: 6 % of the amplitude is about a degree above 60°), up to the largest. The refinement
    /// takes each candidate the rest of the way.</summary>
    internal static IEnumerable<double> Amplitudes(double max)
    {
        for (var a = 0.0; a <= max; a = a < 12 ? a + 1 : a * 1.06) yield return a;
    }

    /// <summary>Phases searched at an amplitude: neighbours move the trace by 3 rows at most (where it is steepest).</summary>
    private static int PhasesOf(double amplitude) => amplitude == 0 ? 1 : Math.Max(12, (int)Math.Ceiling(2 * Math.PI * amplitude / 3));

    private static void Add(Span<float> total, ReadOnlySpan<float> column)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
            for (var n = System.Numerics.Vector<float>.Count; i <= total.Length - n; i += n)
                (new System.Numerics.Vector<float>(total[i..]) + new System.Numerics.Vector<float>(column[i..])).CopyTo(total[i..]);
        for (; i < total.Length; i++) total[i] += column[i];
    }

    /// <summary>Hill climbing from a search peak on the mean gradient across the trace (in the sense the start
    /// prefers), in halving steps of row, amplitude and phase, to a quarter of a row.</summary>
    private static (Sinusoid Trace, int Sense) Refine(Block block, Sinusoid start, double maxAmplitude)
    {
        var sense = Across(block, start) >= 0 ? 1 : -1;
        var best = start;
        // A flat start has no phase to climb along: try a half-row trace every 45° first.
        if (start.Amplitude < 1)
            for (var phase = 0.0; phase < 360; phase += 45)
                if (start with { Amplitude = 0.5, Phase = phase } is var tilted && sense * Across(block, tilted) > sense * Across(block, best))
                    best = tilted;
        return (Climb(block, best, sense, maxAmplitude, 2, 0.25), sense);
    }

    /// <summary>Hill climbing on the mean gradient across the trace in steps of row and amplitude from
    /// <paramref name="step"/> halving down to <paramref name="finest"/> (the phase step four times as many degrees).</summary>
    private static Sinusoid Climb(Block block, Sinusoid best, int sense, double maxAmplitude, double step, double finest)
    {
        var score = sense * Across(block, best);
        for (var (dz, da, dp) = (step, step, 4 * step); dz >= finest - 1e-12; (dz, da, dp) = (dz / 2, da / 2, dp / 2))
        {
            for (var moved = true; moved;)
            {
                moved = false;
                foreach (var next in (ReadOnlySpan<Sinusoid>)[best with { Depth = best.Depth + dz }, best with { Depth = best.Depth - dz },
                             best with { Amplitude = Math.Min(maxAmplitude, best.Amplitude + da) }, best with { Amplitude = Math.Max(0, best.Amplitude - da) },
                             best with { Phase = Plane.Normalize(best.Phase + dp) }, best with { Phase = Plane.Normalize(best.Phase - dp) }])
                {
                    var s = sense * Across(block, next);
                    if (s > score + 1e-9)
                        (best, score, moved) = (next, s, true);
                }
            }
        }
        return best;
    }

    /// <summary>
    /// Whether the trace is an edge rather than part of a gradual change: the mean gradient across it must be at least
    /// <see cref="Sharpness"/> times that of the same trace <see cref="SharpnessRows"/> rows above and below. A graded
    /// bed, or a slow trend of the whole log, has every parallel trace about as aligned as the next — consistent
    /// enough for the orientation test, but no plane.
    /// </summary>
    private static bool IsSharp(Block block, Sinusoid trace, int sense)
    {
        var here = sense * Across(block, trace);
        var around = Math.Max(sense * Across(block, trace with { Depth = trace.Depth - SharpnessRows }),
                              sense * Across(block, trace with { Depth = trace.Depth + SharpnessRows }));
        return here > 0 && here >= Sharpness * around;
    }

    private const double Sharpness = 2, SharpnessRows = 3;

    /// <summary>The mean gradient across the trace, pointing down (positive: the image gets brighter downward there).</summary>
    private static double Across(Block block, Sinusoid trace)
    {
        var (sum, n) = (0.0, 0);
        var phase = Math.SinCos(Plane.Radians(trace.Phase));
        for (var c = 0; c < block.Width; c += 2) // smoothed gradients change little from one column to the next
        {
            // Between the two rows the trace passes, linearly: the climb then sees a fraction of a row, which is a few
            // degrees of dip when the trace is under a row high.
            var (row, nx, nz) = Crossing(block, trace, phase, c);
            var r = (int)Math.Floor(row);
            if (r < 2 || r + 1 >= block.Rows - 2) continue;
            var (above, below, f) = (r * block.Width + c, (r + 1) * block.Width + c, row - r);
            var x = block.Gx[above] * (1 - f) + block.Gx[below] * f;
            var z = block.Gz[above] * (1 - f) + block.Gz[below] * f;
            if (double.IsNaN(x) || double.IsNaN(z)) continue;
            sum += x * nx + z * nz;
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>
    /// The trace's log10 NFA: the better of two tests, each against what the block shows where there is no plane.
    /// <b>Directions</b>: k of n independent raw gradients point across the trace (binomial, <see cref="Precision"/>).
    /// <b>Sum</b>: the vertical gradient summed along the trace as the search sums it, against a normal law with the
    /// scale of the search's sums (their median: nearly all of them are of noise and background). The first needs no
    /// scale; the second uses every sample's size, so it sees steps the first misses (a 6-grey step under ±12 noise).
    /// </summary>
    private static double Validate(Block block, Sinusoid trace, int sense, bool claimed, double tests, BinomialTail tail, SumNull sums)
    {
        var (n, k) = Count(block, trace, sense, claimed);
        var (sum, columns) = Sum(block, trace, claimed);
        return tests + Math.Min(tail.Log10(n, k), RefinedShapes + sums.Log10Tail(sense * sum, columns, AmplitudeBand(trace.Amplitude)));
    }

    /// <summary>log10 of how many more traces than the grid's the sum is in effect the best of: the refinement moves
    /// between the grid's shapes (independent ones are about a row apart where the trace is steepest, a third of the
    /// grid's phase step) and by fractions of a row. Measured: without it, pure noise gave two false traces a block.</summary>
    private const double RefinedShapes = 1;

    /// <summary>The smoothed vertical gradient summed along the trace over the search's columns (unclaimed ones
    /// only, when <paramref name="claimed"/>), and how many columns that was.</summary>
    private static (double Sum, int Columns) Sum(Block block, Sinusoid trace, bool claimed)
    {
        var (sum, n) = (0.0, 0);
        var phase = Math.SinCos(Plane.Radians(trace.Phase));
        for (var c = 0; c < block.Width; c += SearchColumnStep)
        {
            var r = (int)Math.Round(Crossing(block, trace, phase, c).Row);
            if (r < 2 || r >= block.Rows - 2) continue;
            var index = r * block.Width + c;
            if (float.IsNaN(block.Gz[index]) || (claimed && block.Used[index])) continue;
            sum += block.Gz[index];
            n++;
        }
        return (sum, n);
    }

    /// <summary>Of every <see cref="Block.ValidationStep"/>-th column where the trace crosses a pixel with a raw gradient (unclaimed ones only, when
    /// <paramref name="claimed"/>), how many there are and how many point across the trace in <paramref name="sense"/>
    /// within the precision.</summary>
    private static (int N, int K) Count(Block block, Sinusoid trace, int sense, bool claimed)
    {
        var cosine = Math.Cos(Precision * Math.PI); // ±22.5° of 360° in one sense is an eighth of the turn
        var (n, k) = (0, 0);
        var phase = Math.SinCos(Plane.Radians(trace.Phase));
        for (var c = 0; c <= block.Width - block.ValidationStep; c += block.ValidationStep)
        {
            var (row, nx, nz) = Crossing(block, trace, phase, c);
            var r = (int)Math.Round(row);
            if (r < 1 || r >= block.Rows - 1) continue;
            var index = r * block.Width + c;
            var (x, z) = (block.Vx[index], block.Vz[index]);
            if (float.IsNaN(x) || float.IsNaN(z) || (claimed && block.Used[index])) continue;
            n++;
            var magnitude = Math.Sqrt(x * x + z * z);
            if (magnitude > 0 && sense * (x * nx + z * nz) >= cosine * magnitude) k++;
        }
        return (n, k);
    }

    /// <summary>Marks the cells within a row or so of the trace (more where it is steep) as taken.</summary>
    private static void Claim(Block block, Sinusoid trace)
    {
        var phase = Math.SinCos(Plane.Radians(trace.Phase));
        for (var c = 0; c < block.Width; c++)
        {
            var (row, _, nz) = Crossing(block, trace, phase, c);
            var reach = 1 + 0.5 / nz; // 1/nz = √(1 + slope²): a steep trace spans more rows in one column
            for (var r = (int)Math.Ceiling(row - reach); r <= (int)Math.Floor(row + reach); r++)
                if ((uint)r < (uint)block.Rows) block.Used[r * block.Width + c] = true;
        }
    }

    /// <summary>Where the trace is at column <paramref name="column"/>: its row, and its unit normal pointing down the
    /// rows.</summary>
    private static (double Row, double Nx, double Nz) Crossing(Block block, Sinusoid trace, (double Sin, double Cos) phase, int column)
    {
        // cos and sin of (φ − phase) from the column's table and the phase's (computed once a trace by the caller).
        var (sinPhase, cosPhase) = phase;
        var (sinColumn, cosColumn) = (block.Sin[column], block.Cos[column]);
        var (cos, sin) = (cosColumn * cosPhase + sinColumn * sinPhase, sinColumn * cosPhase - cosColumn * sinPhase);
        var slope = -trace.Amplitude * sin * 2 * Math.PI / block.Width; // rows per column
        var length = Math.Sqrt(1 + slope * slope);
        return (trace.Depth + trace.Amplitude * cos, -slope / length, 1 / length);
    }

    /// <summary>The accepted edges, with each pair of opposite edges a few rows apart and alike made one line.</summary>
    private static List<Trace> Lines(List<(Sinusoid Trace, int Sense, double Log10Nfa)> edges)
    {
        edges.Sort((a, b) => a.Trace.Depth.CompareTo(b.Trace.Depth));
        var traces = new List<Trace>();
        var paired = new bool[edges.Count];
        for (var i = 0; i < edges.Count; i++)
        {
            if (paired[i]) continue;
            var (upper, sense, nfa) = edges[i];
            var partner = -1;
            for (var j = i + 1; j < edges.Count && edges[j].Trace.Depth - upper.Depth <= LineWidthRows; j++)
                if (!paired[j] && edges[j].Sense != sense && Alike(upper, edges[j].Trace) && (partner < 0 || edges[j].Log10Nfa < edges[partner].Log10Nfa))
                    partner = j;
            if (partner < 0)
            {
                traces.Add(new Trace(upper.Depth, upper.Amplitude, upper.Phase, nfa, TraceShape.Edge));
                continue;
            }
            paired[partner] = true;
            var lower = edges[partner];
            var stronger = nfa <= lower.Log10Nfa ? upper : lower.Trace;
            traces.Add(new Trace((upper.Depth + lower.Trace.Depth) / 2, (upper.Amplitude + lower.Trace.Amplitude) / 2, stronger.Phase,
                Math.Min(nfa, lower.Log10Nfa), sense < 0 ? TraceShape.DarkLine : TraceShape.BrightLine));
        }
        return traces.OrderBy(t => t.Row).ToList(); // a line sits half-way between its edges, which may pass an edge between them
    }

    /// <summary>Two traces of about the same shape: amplitudes within 1.5 rows (or 15 %) and, where the amplitude
    /// makes the phase matter, deepest points within 1.5 rows' worth of phase.</summary>
    private static bool Alike(Sinusoid a, Sinusoid b)
    {
        var amplitude = Math.Max(a.Amplitude, b.Amplitude);
        if (Math.Abs(a.Amplitude - b.Amplitude) > Math.Max(1.5, 0.15 * amplitude)) return false;
        var phase = Math.Abs(Plane.Normalize(a.Phase - b.Phase + 180) - 180);
        return amplitude * Plane.Radians(phase) <= 1.5;
    }

    /// <summary>A block's gradients, smoothed (<see cref="Gx"/>, <see cref="Gz"/>) for searching and raw
    /// (<see cref="Vx"/>, <see cref="Vz"/>) for validating, and which pixels a trace took.</summary>
    private sealed record Block(int Rows, int Width, float[] Gx, float[] Gz, float[] Vx, float[] Vz, bool[] Used)
    {
        /// <summary>Columns between two raw gradients the direction test counts (independent under noise).</summary>
        public int ValidationStep { get; init; } = 3;

        /// <summary>Sine and cosine of each column's azimuth.</summary>
        public double[] Sin { get; } = Enumerable.Range(0, Width).Select(c => Math.Sin(2 * Math.PI * c / Width)).ToArray();
        public double[] Cos { get; } = Enumerable.Range(0, Width).Select(c => Math.Cos(2 * Math.PI * c / Width)).ToArray();
    }
}

/// <summary>log10 of P(S ≥ s) for a sum of <c>columns</c> of the search's columns when a full sum of <c>all</c> has
/// the normal scale of its amplitude band (the part's scale shrinks as the square root of its share).</summary>
internal sealed record SumNull(double[] Scales, int All)
{
    public double Log10Tail(double sum, int columns, int band)
    {
        var scale = Scales[band];
        if (columns == 0 || !(scale > 0) || sum <= 0) return 0;
        var x = sum / (scale * Math.Sqrt((double)columns / All));
        return Math.Min(0, Log10NormalTail(x));
    }

    /// <summary>log10 P(Z ≥ x), Z standard normal: by erfc's continued fraction above 3 (no underflow), else by the
    /// Abramowitz–Stegun rational approximation 7.1.26.</summary>
    internal static double Log10NormalTail(double x)
    {
        if (x > 3)
        {
            // Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), a few terms suffice above 3.
            var fraction = x;
            for (var i = 40; i >= 1; i--) fraction = x + i / fraction;
            return (-x * x / 2 - Math.Log(Math.Sqrt(2 * Math.PI)) - Math.Log(fraction)) / Math.Log(10);
        }
        var z = Math.Abs(x) / Math.Sqrt(2);
        var t = 1 / (1 + 0.3275911 * z);
        var erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-z * z);
        var q = x >= 0 ? erfc / 2 : 1 - erfc / 2;
        return Math.Log10(q);
    }
}

/// <summary>log10 of the binomial tail P(X ≥ k) for X ~ B(n, p), n up to a bound, from a table of log factorials.</summary>
internal sealed class BinomialTail
{
    private readonly double[] _logFactorial;
    private readonly double _logP, _logQ;

    public BinomialTail(int maxN, double p)
    {
        _logFactorial = new double[maxN + 1];
        for (var i = 1; i <= maxN; i++) _logFactorial[i] = _logFactorial[i - 1] + Math.Log(i);
        (_logP, _logQ) = (Math.Log(p), Math.Log(1 - p));
    }

    public double Log10(int n, int k)
    {
        if (k <= 0) return 0;
        if (k > n) return double.NegativeInfinity;
        // Sum the terms from k up in log space, scaled by the first (the largest when k is above the mean).
        double Term(int i) => _logFactorial[n] - _logFactorial[i] - _logFactorial[n - i] + i * _logP + (n - i) * _logQ;
        var first = Term(k);
        var sum = 0.0;
        for (var i = k; i <= n; i++)
        {
            var ratio = Math.Exp(Term(i) - first);
            sum += ratio;
            if (ratio < 1e-12 * sum) break;
        }
        return Math.Min(0, (first + Math.Log(sum)) / Math.Log(10));
    }
}
