using ImageFrames.Resize;
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
    private const RepresentationCode FirstInteger = RepresentationCode.SSHORT, LastInteger = RepresentationCode.UVARI;

    public static async Task<List<ImageChannelSpool>> SpoolAsync(Stream input, int targetWidth, string folder, ILogger? logger, CancellationToken ct)
    {
        var spools = new Dictionary<(int File, ObjectName Frame, int Channel), ImageChannelSpool>();
        var passedOver = new SortedSet<string>();
        var spooler = new RowSpooler(targetWidth);
        var success = false;
        try
        {
            using var reader = await DlisFileReader.OpenAsync(input, logger, ct: ct).ConfigureAwait(false);
            var index = new double[1];
            var layouts = new Dictionary<FrameLayout, (int[] Images, int[] Curves, (string Unit, double Scale, string? Note, bool Known) Depth)>(ReferenceEqualityComparer.Instance);
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
                var curves = spooler.Reserve(curveChannels.Length, out var curvesAt);
                for (var k = 0; k < curveChannels.Length; k++)
                {
                    data.Layout.Read(curveChannels[k], data.Samples.Span, curves.Slice(k, 1), data.Offset, data.Record);
                    if (ValueRowResizer.IsAbsent(curves[k])) curves[k] = double.NaN;
                }
                foreach (var c in images)
                {
                    var channel = frame.Channels[c];
                    var key = (data.File.Index, frame.Name, c);
                    if (!spools.TryGetValue(key, out var spool))
                        spools[key] = spool = new ImageChannelSpool(Describe(data.File, frame, channel, depthUnit), channel.Samples, targetWidth,
                            channel.Code is >= FirstInteger and <= LastInteger, folder,
                            [.. curveChannels.Select(k => new CurveSource(frame.Channels[k].Name.Id, frame.Channels[k].LongName, frame.Channels[k].Units, frame.Channels[k].Code.ToString()))]);
                    data.Layout.Read(c, data.Samples.Span, spooler.Reserve(channel.Samples, out var valuesAt), data.Offset, data.Record);
                    spooler.Add(spool, depth, data.FrameNumber, curvesAt, valuesAt, channel.Samples);
                }
                await spooler.FlushIfFullAsync(ct).ConfigureAwait(false);
            }
            await spooler.CompleteAsync(ct).ConfigureAwait(false);
            if (spools.Count == 0)
                throw new DlisFormatException(reader.Position, NoImageMessage(reader.LogicalFiles, passedOver));
            success = true;
            return [.. spools.Values];
        }
        finally
        {
            if (!success)
            {
                await spooler.AbandonAsync().ConfigureAwait(false);
                foreach (var spool in spools.Values) spool.Dispose();
            }
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
}
