using Microsoft.Extensions.Logging;

namespace ImageFrames.Parse.Dlis;

/// <summary>
/// What becomes a dataset in a DLIS file: every image channel (dimension [N], N ≥ 2) of a frame indexed by
/// depth, read in one pass over the file into a spool of its own (<see cref="ImageChannelSpool"/>), resized to
/// the stored width with absent samples (−999.25, NaN, ±∞) kept absent. Frames indexed otherwise (time) and
/// files with no image channel are rejected, saying what was found and what is needed.
/// </summary>
public static class DlisImageChannels
{
    /// <summary>The conventional DLIS absent value (stored as an ordinary number).</summary>
    public const double AbsentValue = -999.25;

    private const RepresentationCode FirstInteger = RepresentationCode.SSHORT, LastInteger = RepresentationCode.UVARI;

    public static async Task<List<ImageChannelSpool>> SpoolAsync(Stream input, int targetWidth, string folder, ILogger? logger, CancellationToken ct)
    {
        var spools = new Dictionary<(int File, ObjectName Frame, int Channel), ImageChannelSpool>();
        var passedOver = new SortedSet<string>();
        var success = false;
        try
        {
            using var reader = await DlisFileReader.OpenAsync(input, logger, ct: ct).ConfigureAwait(false);
            var index = new double[1];
            double[] values = [];
            var resized = new float[targetWidth];
            var plans = new Dictionary<int, AreaPlan>();
            var layouts = new Dictionary<FrameLayout, (int[] Images, int[] Curves, (string Unit, double Scale, string? Note, bool Known) Depth)>(ReferenceEqualityComparer.Instance);
            var curves = new double[1];
            while (await reader.NextFrameAsync(ct).ConfigureAwait(false) is { } data)
            {
                var frame = data.Layout.Frame;
                // Once per frame layout, not per frame: which channels are images and which curves, and the depth unit.
                if (!layouts.TryGetValue(data.Layout, out var layout))
                {
                    var after = Enumerable.Range(1, Math.Max(0, frame.Channels.Count - 1)).ToList();
                    layouts[data.Layout] = layout = ([.. after.Where(c => frame.Channels[c].IsImage)], [.. after.Where(c => frame.Channels[c].Samples == 1)],
                        frame.Index is { } indexChannel ? DepthUnits.ToDataset(indexChannel.Units) : default);
                }
                var (images, curveChannels, (depthUnit, depthScale, _, _)) = layout;
                if (images.Length == 0) continue;
                if (!frame.IsDepthIndexed)
                {
                    passedOver.Add($"{string.Join(", ", images.Select(c => frame.Channels[c].Name.Id))} in frame {frame.Name.Id} (logical file {data.File.Index}), indexed by {frame.IndexType ?? frame.Index?.Units ?? "nothing"}");
                    continue;
                }
                if (frame.Index!.Samples != 1)
                    throw new DlisFormatException(data.Offset, $"frame {frame.Name.Id} is indexed by {frame.Index.Name.Id}{frame.Index.DimensionText}; a depth index has one value per frame", data.Record);
                data.Layout.Read(0, data.Samples.Span, index, data.Offset, data.Record);
                var depth = index[0] * depthScale;
                if (!double.IsFinite(depth))
                    throw new DlisFormatException(data.Offset, $"frame {data.FrameNumber} of {frame.Name.Id} has index {index[0]}: a depth must be a finite number", data.Record);
                if (curves.Length < curveChannels.Length) curves = new double[curveChannels.Length];
                for (var k = 0; k < curveChannels.Length; k++)
                {
                    data.Layout.Read(curveChannels[k], data.Samples.Span, curves.AsSpan(k, 1), data.Offset, data.Record);
                    if (curves[k] == AbsentValue || !double.IsFinite(curves[k])) curves[k] = double.NaN;
                }
                foreach (var c in images)
                {
                    var channel = frame.Channels[c];
                    var key = (data.File.Index, frame.Name, c);
                    if (!spools.TryGetValue(key, out var spool))
                        spools[key] = spool = new ImageChannelSpool(Describe(data.File, frame, channel, depthUnit), channel.Samples, targetWidth,
                            channel.Code is >= FirstInteger and <= LastInteger, folder,
                            [.. curveChannels.Select(k => new CurveSource(frame.Channels[k].Name.Id, frame.Channels[k].LongName, frame.Channels[k].Units, frame.Channels[k].Code.ToString()))]);
                    if (values.Length < channel.Samples) values = new double[channel.Samples];
                    var row = values.AsSpan(0, channel.Samples);
                    data.Layout.Read(c, data.Samples.Span, row, data.Offset, data.Record);
                    if (!plans.TryGetValue(channel.Samples, out var plan)) plans[channel.Samples] = plan = new AreaPlan(channel.Samples, targetWidth);
                    plan.Resize(row, resized);
                    spool.Append(depth, data.FrameNumber, curves, resized);
                }
            }
            if (spools.Count == 0)
                throw new DlisFormatException(reader.Position, NoImageMessage(reader.LogicalFiles, passedOver));
            success = true;
            return [.. spools.Values];
        }
        finally
        {
            if (!success) foreach (var spool in spools.Values) spool.Dispose();
        }
    }

    private static string NoImageMessage(IReadOnlyList<DlisLogicalFile> files, SortedSet<string> passedOver)
    {
        var frames = files.SelectMany(f => f.Frames.Select(fr => $"{fr.Name.Id} ({string.Join(", ", fr.Channels.Select(c => c.Name.Id + c.DimensionText))}, index {fr.IndexType ?? "not given"})")).ToList();
        var found = passedOver.Count > 0 ? "image channels only in frames not indexed by depth: " + string.Join("; ", passedOver)
            : frames.Count > 0 ? "no image channel with frame data; frames: " + string.Join("; ", frames)
            : "no FRAME with frame data";
        return $"no image to ingest: found {found}. Needed: a channel of dimension [N], N ≥ 2, in a frame indexed by depth " +
               "(INDEX-TYPE BOREHOLE-DEPTH, or a first channel in m or ft)";
    }

    private static ImageChannelSource Describe(DlisLogicalFile file, DlisFrame frame, DlisChannel channel, string depthUnit)
    {
        var (_, _, note, _) = DepthUnits.ToDataset(frame.Index!.Units);
        return new ImageChannelSource("DLIS", file.Index, file.FileHeaderId, frame.Name.Id, channel.Name.Id, channel.LongName, channel.Units,
            channel.DimensionText, channel.Code.ToString(), frame.IndexType, frame.Direction, frame.Index.Name.Id, frame.Index.Units,
            depthUnit, note, file.Origin);
    }

    /// <summary>
    /// Area resampling of a row of values from N to W samples with absent samples left out: each target sample is
    /// the overlap-weighted mean of the present source samples it covers, and absent only when none is present.
    /// </summary>
    private sealed class AreaPlan
    {
        // Flattened taps: target j sums source[_index[t]] × _weight[t] for t in [_start[j], _start[j + 1]).
        private readonly int[] _start, _index;
        private readonly double[] _weight;

        public AreaPlan(int sourceWidth, int targetWidth)
        {
            var (starts, indices, weights) = (new int[targetWidth + 1], new List<int>(), new List<double>());
            var step = (double)sourceWidth / targetWidth;
            for (var j = 0; j < targetWidth; j++)
            {
                starts[j] = indices.Count;
                double start = j * step, end = (j + 1) * step;
                for (var i = (int)Math.Floor(start); i < Math.Min(sourceWidth, (int)Math.Ceiling(end)); i++)
                {
                    var overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                    if (overlap <= 0) continue;
                    indices.Add(i);
                    weights.Add(overlap);
                }
            }
            starts[targetWidth] = indices.Count;
            (_start, _index, _weight) = (starts, [.. indices], [.. weights]);
        }

        public void Resize(ReadOnlySpan<double> source, Span<float> target)
        {
            for (var j = 0; j < target.Length; j++)
            {
                double sum = 0, weight = 0;
                for (var t = _start[j]; t < _start[j + 1]; t++)
                {
                    var v = source[_index[t]];
                    if (v == AbsentValue || !double.IsFinite(v)) continue; // rare: predicted well
                    sum += v * _weight[t];
                    weight += _weight[t];
                }
                target[j] = weight > 0 ? (float)(sum / weight) : float.NaN;
            }
        }
    }
}
