using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImageFrames.Tests;

/// <summary>
/// GET /api/frames/array: a window as a NumPy array, read back here by a reader of the .npy format written from its
/// specification (magic, version, little-endian header length, a Python dict literal padded to 64 bytes, then the
/// data in C order): uint8 greys, or float32 values with NaN where absent; .npz with the depths beside them; the
/// same pixel budget as pictures; a streamed body whose ETag comes from the version and the query.
/// </summary>
public sealed class ArrayTests : IDisposable
{
    private readonly HttpHarness _http = new();

    public void Dispose() => _http.Dispose();

    /// <summary>An .npy file per NEP 1 / numpy.lib.format: returns its dtype descriptor, shape and data bytes.</summary>
    internal static (string Descr, int[] Shape, byte[] Data) ReadNpy(byte[] file)
    {
        Assert.Equal([0x93, .. "NUMPY"u8.ToArray()], file[..6]);
        Assert.Equal((1, 0), (file[6], file[7]));
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.EndsWith("\n", header);
        var match = Regex.Match(header, @"^\{'descr': '([<|>][a-z]\d)', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n$");
        Assert.True(match.Success, header);
        var shape = match.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        return (match.Groups[1].Value, shape, file[(10 + headerLength)..]);
    }

    private Task<HttpHarness.Response> ArrayAsync(string query, IDictionary<string, string>? headers = null) =>
        _http.GetAsync((f, q) => f.GetArray(q), query, headers);

    [Fact]
    public async Task GreysComeAsAUint8ArrayOfTheWindow()
    {
        var random = new Random(3);
        var csv = Csv.Header(150) + "\n" + string.Join("\n", Enumerable.Range(0, 3000).Select(i => Csv.Row(i.ToString(), Enumerable.Range(0, 150).Select(_ => random.Next(256))))) + "\n";
        await _http.Db.IngestTextAsync(csv, "csv");
        var answer = await ArrayAsync("dataset=csv&depth_min=100&depth_max=2599");
        Assert.Equal(200, answer.Status);
        var (descr, shape, data) = ReadNpy(answer.Body);
        Assert.Equal(("|u1", "2500,150"), (descr, string.Join(',', shape)));
        var frames = (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=csv&depth_min=100&depth_max=1099&limit=1000")).Json.GetProperty("frames");
        Assert.Equal(frames.EnumerateArray().SelectMany(f => f.GetProperty("pixels").EnumerateArray().Select(p => (byte)p.GetInt32())), data[..(1000 * 150)]);
        Assert.Equal("2500", answer.Headers["X-Frame-Count"].ToString());
        Assert.Contains("csv.npy", answer.Headers["Content-Disposition"].ToString());

        // Revalidation: the tag names the version and the query, so it is known before any byte is read.
        var etag = answer.Headers["ETag"].ToString();
        Assert.Equal(304, (await ArrayAsync("dataset=csv&depth_min=100&depth_max=2599", new Dictionary<string, string> { ["If-None-Match"] = etag })).Status);
    }

    [Fact]
    public async Task ValuesComeAsFloat32WithNaNForAbsentAndDepthsBesideThemInAnNpz()
    {
        await using (var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "ubi_feet_decreasing.dlis")))
            await _http.Db.Ingest.IngestAsync(stream, null, "ubi.dlis");
        var answer = await ArrayAsync("dataset=ubi&values=true&format=npz");
        Assert.Equal(200, answer.Status);
        using var zip = new ZipArchive(new MemoryStream(answer.Body));
        Assert.Equal(["values.npy", "depths.npy"], zip.Entries.Select(e => e.FullName));
        byte[] Entry(string name) { using var s = zip.GetEntry(name)!.Open(); using var m = new MemoryStream(); s.CopyTo(m); return m.ToArray(); }
        var (descr, shape, data) = ReadNpy(Entry("values.npy"));
        Assert.Equal(("<f4", "300,150"), (descr, string.Join(',', shape)));
        var (depthDescr, depthShape, depthData) = ReadNpy(Entry("depths.npy"));
        Assert.Equal(("<f8", "300"), (depthDescr, string.Join(',', depthShape)));

        var frames = (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=ubi&limit=1000")).Json.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal(frames.Select(f => f.GetProperty("depth").GetDouble()), Enumerable.Range(0, 300).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(depthData.AsSpan(i * 8))));
        var expected = frames.SelectMany(f => f.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? float.NaN : (float)v.GetDouble())).ToList();
        var actual = Enumerable.Range(0, 300 * 150).Select(i => BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * 4))).ToList();
        Assert.Equal(expected, actual);
        Assert.Contains(actual, float.IsNaN);
    }

    [Fact]
    public async Task AWindowThatFitsACacheEntryIsCachedAndABiggerOneStreams()
    {
        using var http = new HttpHarness(o => o.CacheMaxBytes = 1 << 20); // entries up to 128 KB
        var random = new Random(5);
        string Csv3000() => Csv.Header(150) + "\n" + string.Join("\n", Enumerable.Range(0, 3000).Select(i => Csv.Row(i.ToString(), Enumerable.Range(0, 150).Select(_ => random.Next(256))))) + "\n";
        await http.Db.IngestTextAsync(Csv3000(), "csv");
        Task<HttpHarness.Response> Get(string query) => http.GetAsync((f, q) => f.GetArray(q), query);

        // 100 rows (15 KB) and their .npz: built once, then hits with the same bytes and tag.
        foreach (var query in new[] { "dataset=csv&depth_min=100&depth_max=199", "dataset=csv&depth_min=100&depth_max=199&format=npz" })
        {
            var first = await Get(query);
            var (hits, entries) = (http.Cache.Stats().Hits, http.Cache.Stats().Entries);
            var second = await Get(query);
            Assert.Equal(first.Body, second.Body);
            Assert.Equal((200, first.Headers["ETag"].ToString(), "100"), (second.Status, second.Headers["ETag"].ToString(), second.Headers["X-Frame-Count"].ToString()));
            Assert.Equal((hits + 1, entries), (http.Cache.Stats().Hits, http.Cache.Stats().Entries));
        }
        var cached = await Get("dataset=csv&depth_min=100&depth_max=199");
        Assert.Equal(("|u1", "100,150"), (ReadNpy(cached.Body).Descr, string.Join(',', ReadNpy(cached.Body).Shape)));

        // 2,500 rows (375 KB) stream and are not kept.
        var entriesBefore = http.Cache.Stats().Entries;
        var big = await Get("dataset=csv&depth_min=100&depth_max=2599");
        Assert.Equal("2500,150", string.Join(',', ReadNpy(big.Body).Shape));
        Assert.Equal(entriesBefore, http.Cache.Stats().Entries);

        // A new version is a new key: its array, not the cached one.
        await http.Db.IngestTextAsync(Csv3000(), "csv");
        var after = await Get("dataset=csv&depth_min=100&depth_max=199");
        Assert.NotEqual(cached.Body, after.Body);
        Assert.NotEqual(cached.Headers["ETag"].ToString(), after.Headers["ETag"].ToString());
    }

    [Fact]
    public async Task BadRequestsAreProblems()
    {
        await _http.Db.IngestTextAsync(Csv.Of(150, ("1", 5), ("2", 6)), "csv");
        var values = await ArrayAsync("dataset=csv&values=true");
        Assert.Equal((400, "values"), (values.Status, values.Json.GetProperty("parameter").GetString()));
        Assert.Equal((400, "format"), ((await ArrayAsync("dataset=csv&format=mat")).Status, (await ArrayAsync("dataset=csv&format=mat")).Json.GetProperty("parameter").GetString()));
        Assert.Equal(404, (await ArrayAsync("dataset=csv&depth_min=10")).Status);

        using var small = new HttpHarness(o => o.MaxImagePixels = 150);
        await small.Db.IngestTextAsync(Csv.Of(150, ("1", 5), ("2", 6)), "csv");
        var tooBig = await small.GetAsync((f, q) => f.GetArray(q), "dataset=csv");
        Assert.Equal((400, "depth_min"), (tooBig.Status, tooBig.Json.GetProperty("parameter").GetString()));
    }
}
