using ImageFrames.Serve;

namespace ImageFrames.Functions;

/// <summary>The OpenAPI document and the interactive page over it, both shipped inside the assembly.</summary>
public static class Docs
{
    public static ApiResponse OpenApi { get; } = new(200, "application/json", Resource("openapi.json")) { ETag = $"\"openapi-{Api.Version}\"" };
    public static ApiResponse Page { get; } = new(200, "text/html; charset=utf-8", Resource("docs.html")) { ETag = $"\"docs-{Api.Version}\"" };

    private static byte[] Resource(string name)
    {
        using var stream = typeof(Docs).Assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
