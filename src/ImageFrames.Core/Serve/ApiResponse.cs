using System.Buffers;
using System.Text.Json;

namespace ImageFrames.Serve;

/// <summary>A finished HTTP answer, independent of the trigger that will send it (and cacheable as is).</summary>
public sealed record ApiResponse(int Status, string ContentType, byte[] Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>Set on cacheable GET answers; the sender turns a matching If-None-Match into a 304.</summary>
    public string? ETag { get; init; }

    public string CacheControl { get; init; } = "no-cache";

    /// <summary>For answers written as they are produced (arrays of any size): writes the body to the response
    /// instead of <see cref="Body"/>; such answers carry their ETag and are never cached.</summary>
    public Func<Stream, CancellationToken, Task>? BodyWriter { get; init; }

    /// <summary>What a streamed answer reads from (a snapshot of the store), released once it is sent or dropped.</summary>
    public IDisposable? Owned { get; init; }

    /// <summary>The body gzip-compressed, made on first use and then kept: set on cached JSON answers and sent to
    /// clients that accept gzip (a frames window's digits compress about 3×).</summary>
    public Lazy<byte[]>? Gzipped { get; init; }

    public static byte[] Gzip(ReadOnlySpan<byte> bytes)
    {
        using var output = new MemoryStream(bytes.Length / 2 + 64);
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Optimal)) gzip.Write(bytes);
        return output.ToArray();
    }

    public static ApiResponse Json(Action<Utf8JsonWriter> write, int status = 200)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        return new ApiResponse(status, "application/json", buffer.WrittenSpan.ToArray());
    }

    /// <summary>JSON written in steps (<paramref name="write"/> yields between pieces, e.g. rows): whole into the body,
    /// or — <paramref name="streamed"/>, for answers too big to cache — to the response as it is produced, sent each
    /// time 64 KB are pending.</summary>
    public static ApiResponse JsonInSteps(Func<Utf8JsonWriter, IEnumerable<int>> write, bool streamed)
    {
        if (!streamed) return Json(json => { foreach (var _ in write(json)) { } });
        return new ApiResponse(200, "application/json", [])
        {
            BodyWriter = async (output, ct) =>
            {
                await using var json = new Utf8JsonWriter(output);
                foreach (var _ in write(json))
                    if (json.BytesPending >= StreamedFlushBytes) await json.FlushAsync(ct).ConfigureAwait(false);
                await json.FlushAsync(ct).ConfigureAwait(false);
            },
        };
    }

    private const int StreamedFlushBytes = 64 << 10;

    public static ApiResponse Json<T>(T value, int status = 200) =>
        new(status, "application/json", JsonSerializer.SerializeToUtf8Bytes(value, Api.JsonOptions));

    /// <summary>RFC 9457 problem details; <paramref name="extensions"/> name e.g. the offending parameter.</summary>
    public static ApiResponse Problem(int status, string title, string detail, params (string Name, object? Value)[] extensions) =>
        Json(json =>
        {
            json.WriteStartObject();
            json.WriteString("type", $"https://httpstatuses.io/{status}");
            json.WriteString("title", title);
            json.WriteNumber("status", status);
            json.WriteString("detail", detail);
            foreach (var (name, value) in extensions)
            {
                json.WritePropertyName(name);
                JsonSerializer.Serialize(json, value, Api.JsonOptions);
            }
            json.WriteEndObject();
        }, status) with { ContentType = ProblemJson, CacheControl = "no-store" };

    /// <summary>A 429 telling the client when to come back, in the header and in the body.</summary>
    public static ApiResponse TooManyRequests(string title, string detail, int retryAfterSeconds) =>
        Problem(429, title, detail, ("retry_after_seconds", retryAfterSeconds)) with
        { Headers = new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    public static ApiResponse BadParameter(string parameter, string detail) =>
        Problem(400, "Invalid query parameter", detail, ("parameter", parameter));
}
