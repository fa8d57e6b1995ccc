using System.IO.Compression;

namespace ImageFrames.Tests;

/// <summary>Cached JSON and array answers go gzip-compressed to clients that accept it (a third of the bytes for a
/// frames window), compressed once; other clients, pictures and uncached answers get the identity body.</summary>
public sealed class CompressedAnswerTests : IDisposable
{
    private const string Window = "dataset=img&depth_min=9100&depth_max=9110";
    private static readonly Dictionary<string, string> AcceptsGzip = new() { ["Accept-Encoding"] = "gzip, deflate, br" };
    private readonly HttpHarness _http = new();

    public CompressedAnswerTests() => _http.Db.IngestFileAsync(TestPaths.SampleCsv, "img").GetAwaiter().GetResult();

    [Fact]
    public async Task ACachedJsonWindowIsSentGzippedToAClientThatAcceptsIt()
    {
        var identity = await _http.GetAsync((f, q) => f.GetFrames(q), Window);
        var gzipped = await _http.GetAsync((f, q) => f.GetFrames(q), Window, AcceptsGzip);
        Assert.Equal(200, gzipped.Status);
        Assert.Equal("gzip", gzipped.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", gzipped.Headers.Vary.ToString());
        Assert.Contains("Accept-Encoding", identity.Headers.Vary.ToString());
        Assert.True(gzipped.Body.Length < identity.Body.Length / 2, $"{gzipped.Body.Length} of {identity.Body.Length} bytes");
        Assert.Equal(identity.Body, Gunzip(gzipped.Body));
        Assert.Equal(gzipped.Body.Length, int.Parse(gzipped.Headers.ContentLength.ToString()!));
        // Another representation, another tag; each revalidates.
        Assert.NotEqual(identity.Headers.ETag.ToString(), gzipped.Headers.ETag.ToString());
        var again = await _http.GetAsync((f, q) => f.GetFrames(q), Window,
            new Dictionary<string, string>(AcceptsGzip) { ["If-None-Match"] = gzipped.Headers.ETag! });
        Assert.Equal(304, again.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gzip;q=0")]
    [InlineData("br")]
    public async Task OtherClientsGetTheIdentityBody(string acceptEncoding)
    {
        var first = await _http.GetAsync((f, q) => f.GetFrames(q), Window);
        var r = await _http.GetAsync((f, q) => f.GetFrames(q), Window, new Dictionary<string, string> { ["Accept-Encoding"] = acceptEncoding });
        Assert.Equal(0, r.Headers.ContentEncoding.Count);
        Assert.Equal(first.Body, r.Body);
        Assert.Equal(first.Headers.ETag.ToString(), r.Headers.ETag.ToString());
    }

    [Fact]
    public async Task ACachedArrayIsSentGzippedToAClientThatAcceptsIt()
    {
        // Python's requests (and so most notebooks) ask for gzip; a log's greys compress to about 70 %.
        var identity = await _http.GetAsync((f, q) => f.GetArray(q), Window);
        var gzipped = await _http.GetAsync((f, q) => f.GetArray(q), Window, AcceptsGzip);
        Assert.Equal(("application/octet-stream", "gzip"), (gzipped.ContentType, gzipped.Headers.ContentEncoding.ToString()));
        Assert.True(gzipped.Body.Length < identity.Body.Length * 0.8, $"{gzipped.Body.Length} of {identity.Body.Length} bytes");
        Assert.Equal(identity.Body, Gunzip(gzipped.Body));
        Assert.NotEqual(identity.Headers.ETag.ToString(), gzipped.Headers.ETag.ToString());
    }

    [Fact]
    public async Task PicturesAreNotCompressedAgain()
    {
        await _http.GetAsync((f, q) => f.GetFramesImage(q), Window);
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), Window, AcceptsGzip);
        Assert.Equal("image/png", r.ContentType);
        Assert.Equal(0, r.Headers.ContentEncoding.Count);
    }

    private static byte[] Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
