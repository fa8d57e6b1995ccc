using System.IO.Compression;
using System.Text.Json;
using ImageFrames.Parse.Dlis;

namespace ImageFrames.Tests;

/// <summary>
/// Every sample of the six DLIS fixtures (written by dliswriter) against what the reference reader, dlisio,
/// read from them: the same frames in the same order, every depth and value bit for bit, absent samples
/// (−999.25, empty cells in the reference) where it has them; and the structure its MANIFEST lists.
/// </summary>
public sealed class DlisReferenceTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "dlis", name);

    public static TheoryData<string> Files => new() { "fmi_small.dlis", "fmi_small_vr512.dlis", "ubi_feet_decreasing.dlis", "two_images.dlis", "multi_file.dlis", "int_image.dlis" };

    /// <summary>Every frame of every image channel and every curve, read once through the file.</summary>
    private static async Task<(Dictionary<string, List<(double Depth, double[] Values)>> Images, Dictionary<string, List<double[]>> Curves, IReadOnlyList<DlisLogicalFile> Files)> ReadAllAsync(string file)
    {
        await using var stream = File.OpenRead(Fixture(file));
        using var reader = await DlisFileReader.OpenAsync(stream);
        var images = new Dictionary<string, List<(double, double[])>>();
        var curves = new Dictionary<string, List<double[]>>();
        var index = new double[1];
        while (await reader.NextFrameAsync() is { } frame)
        {
            var channels = frame.Layout.Frame.Channels;
            frame.Layout.Read(0, frame.Samples.Span, index, frame.Offset, frame.Record);
            var curveRow = new List<double> { index[0] };
            for (var c = 1; c < channels.Count; c++)
            {
                var values = new double[channels[c].Samples];
                frame.Layout.Read(c, frame.Samples.Span, values, frame.Offset, frame.Record);
                if (channels[c].IsImage)
                {
                    var key = $"lf{frame.File.Index}.{channels[c].Name.Id}";
                    if (!images.TryGetValue(key, out var rows)) images[key] = rows = [];
                    rows.Add((index[0], values));
                }
                else curveRow.Add(values[0]);
            }
            if (curveRow.Count > 1)
            {
                var key = $"lf{frame.File.Index}";
                if (!curves.TryGetValue(key, out var rows)) curves[key] = rows = [];
                rows.Add(curveRow.ToArray());
            }
        }
        return (images, curves, reader.LogicalFiles);
    }

    private static List<string[]> ReadCsv(string name)
    {
        using var gz = new GZipStream(File.OpenRead(Fixture(name)), CompressionMode.Decompress);
        using var text = new StreamReader(gz);
        var lines = new List<string[]>();
        text.ReadLine(); // header
        while (text.ReadLine() is { } line) lines.Add(line.Split(','));
        return lines;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task EverySampleIsWhatTheReferenceReaderReads(string file)
    {
        var (images, curves, logicalFiles) = await ReadAllAsync(file);
        var stem = Path.GetFileNameWithoutExtension(file);
        var many = images.Count > 1;
        var manyFiles = logicalFiles.Count > 1;
        Assert.NotEmpty(images);
        foreach (var (key, rows) in images)
        {
            var parts = key.Split('.', 2);
            var expectedName = many ? $"{stem}{(manyFiles ? "." + parts[0] : "")}.{parts[1]}.csv.gz" : $"{stem}.csv.gz";
            var expected = ReadCsv(expectedName);
            Assert.Equal(expected.Count, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                Assert.Equal(double.Parse(expected[r][0]), rows[r].Depth);
                Assert.Equal(expected[r].Length - 1, rows[r].Values.Length);
                for (var v = 0; v < rows[r].Values.Length; v++)
                {
                    var cell = expected[r][v + 1];
                    var actual = rows[r].Values[v];
                    if (cell.Length == 0) Assert.True(actual == -999.25, $"{expectedName} row {r} v{v + 1}: expected absent (-999.25), read {actual:R}");
                    else if (double.Parse(cell) != actual) Assert.Fail($"{expectedName} row {r} v{v + 1}: expected {cell}, read {actual:R}");
                }
            }
        }
        foreach (var (key, rows) in curves)
        {
            var expected = ReadCsv($"{stem}{(manyFiles ? "." + key : "")}.curves.csv.gz");
            Assert.Equal(expected.Count, rows.Count);
            for (var r = 0; r < rows.Count; r++)
                Assert.Equal(expected[r].Select(double.Parse), rows[r]);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task LogicalFilesFramesAndChannelsAreWhatTheReferenceReaderLists(string file)
    {
        var (_, _, logicalFiles) = await ReadAllAsync(file);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Fixture("MANIFEST.json")));
        var expected = manifest.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("file").GetString() == file);
        var expectedFiles = expected.GetProperty("logical_files").EnumerateArray().ToList();
        Assert.Equal(expectedFiles.Count, logicalFiles.Count);
        for (var i = 0; i < expectedFiles.Count; i++)
        {
            var lf = logicalFiles[i];
            Assert.Equal(expectedFiles[i].GetProperty("fileheader_id").GetString(), lf.FileHeaderId);
            var origin = expectedFiles[i].GetProperty("origin");
            Assert.Equal((origin.GetProperty("well_name").GetString(), origin.GetProperty("field_name").GetString(), origin.GetProperty("company").GetString()),
                (lf.Origin!.WellName, lf.Origin.FieldName, lf.Origin.Company));
            var expectedFrames = expectedFiles[i].GetProperty("frames").EnumerateArray().ToList();
            var frames = lf.Frames.ToList();
            Assert.Equal(expectedFrames.Count, frames.Count);
            for (var f = 0; f < frames.Count; f++)
            {
                Assert.Equal(expectedFrames[f].GetProperty("name").GetString(), frames[f].Name.Id);
                Assert.Equal(expectedFrames[f].GetProperty("index_type").GetString(), frames[f].IndexType);
                Assert.Equal(expectedFrames[f].GetProperty("direction").GetString(), frames[f].Direction);
                Assert.Equal(expectedFrames[f].GetProperty("spacing").GetDouble(), frames[f].Spacing);
                Assert.True(frames[f].IsDepthIndexed);
                var expectedChannels = expectedFrames[f].GetProperty("channels").EnumerateArray().ToList();
                Assert.Equal(expectedChannels.Count, frames[f].Channels.Count);
                for (var c = 0; c < expectedChannels.Count; c++)
                {
                    var (e, a) = (expectedChannels[c], frames[f].Channels[c]);
                    Assert.Equal(e.GetProperty("name").GetString(), a.Name.Id);
                    Assert.Equal(e.GetProperty("reprc").GetInt32(), (int)a.Code);
                    Assert.Equal(e.GetProperty("dimension").EnumerateArray().Select(d => d.GetInt32()), a.Dimension);
                    Assert.Equal(e.GetProperty("units").GetString() ?? "", a.Units);
                    if (e.TryGetProperty("long_name", out var longName)) Assert.Equal(longName.GetString(), a.LongName);
                }
            }
        }
    }
}
