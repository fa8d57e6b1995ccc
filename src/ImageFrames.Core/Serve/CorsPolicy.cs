namespace ImageFrames.Serve;

/// <summary>
/// Which other origins may read the public routes from a browser (<c>FRAMES_CORS_ORIGINS</c>), by the Fetch
/// standard's CORS protocol: an allowed origin is echoed in <c>Access-Control-Allow-Origin</c> with
/// <c>Vary: Origin</c> (or <c>*</c> when every origin is allowed), a preflight is answered for GET and HEAD only
/// with the methods, headers and a max age, and credentials are never allowed. Admin routes (POST, DELETE) are
/// never opened: a preflight for them gets no CORS headers, so the browser refuses the request before it is sent.
/// Empty: same-origin only.
/// </summary>
public sealed class CorsPolicy
{
    private const string ReadMethods = "GET, HEAD";
    private const string AllowedHeaders = "If-None-Match, Accept, Accept-Language, Content-Language, Cache-Control";
    private const string ExposedHeaders = "ETag, X-Request-ID, X-Depth-Min, X-Depth-Max, X-Frame-Count, X-Overview-Level, Content-Disposition";
    private const int MaxAgeSeconds = 600;

    private readonly HashSet<string> _origins;
    private readonly bool _any;

    private CorsPolicy(HashSet<string> origins, bool any) => (_origins, _any) = (origins, any);

    public static CorsPolicy SameOriginOnly { get; } = new([], false);

    /// <summary>The setting as a policy; <see cref="Error"/> says first whether it is one.</summary>
    public static CorsPolicy Parse(string? setting)
    {
        var entries = Entries(setting);
        return entries.Count == 1 && entries[0] == "*" ? new([], true) : new(new HashSet<string>(entries.Select(e => Normalize(e)!), StringComparer.Ordinal), false);
    }

    /// <summary>Why the setting is not a list of origins, or null when it is.</summary>
    public static string? Error(string? setting)
    {
        var entries = Entries(setting);
        if (entries.Contains("*") && entries.Count > 1)
            return $"FRAMES_CORS_ORIGINS: '*' allows every origin and stands alone, was '{setting}'.";
        foreach (var entry in entries.Where(e => e != "*"))
            if (Normalize(entry) is null)
                return $"FRAMES_CORS_ORIGINS must be a comma-separated list of origins (scheme://host[:port], e.g. https://viewer.example.com) or '*'; '{entry}' is not an origin.";
        return null;
    }

    public bool Allows(string? origin) => origin is { Length: > 0 } && (_any || Normalize(origin) is { } o && _origins.Contains(o));

    /// <summary>A public read's answer with the CORS headers its request's origin gets (none for a same-origin or
    /// refused one; <c>Vary: Origin</c> whenever the answer depends on it).</summary>
    public ApiResponse ForRead(ApiResponse response, string? origin)
    {
        if (!_any && _origins.Count == 0) return response;
        var headers = new Dictionary<string, string>(response.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        if (!_any) headers["Vary"] = "Origin";
        if (Allows(origin))
        {
            headers["Access-Control-Allow-Origin"] = _any ? "*" : origin!;
            headers["Access-Control-Expose-Headers"] = ExposedHeaders;
        }
        return response with { Headers = headers };
    }

    /// <summary>The answer to a preflight (OPTIONS): 204, with permission only for an allowed origin asking to GET or HEAD.</summary>
    public ApiResponse Preflight(string? origin, string? requestMethod)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!_any) headers["Vary"] = "Origin";
        if (Allows(origin) && requestMethod is "GET" or "HEAD")
        {
            headers["Access-Control-Allow-Origin"] = _any ? "*" : origin!;
            headers["Access-Control-Allow-Methods"] = ReadMethods;
            headers["Access-Control-Allow-Headers"] = AllowedHeaders;
            headers["Access-Control-Max-Age"] = MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return new ApiResponse(204, "text/plain", [], headers) { CacheControl = "no-store" };
    }

    private static List<string> Entries(string? setting) =>
        (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>An origin as browsers send it (scheme://host[:port], lower case, no default port); null for
    /// anything else (a path, a query, user info, another scheme).</summary>
    private static string? Normalize(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0) return null;
        var origin = uri.GetLeftPart(UriPartial.Authority); // scheme://host[:port], a default port left out
        var given = text.TrimEnd('/');
        return given.Equals(origin, StringComparison.OrdinalIgnoreCase) || given.Equals($"{uri.Scheme}://{uri.Authority}:{uri.Port}", StringComparison.OrdinalIgnoreCase)
            ? origin.ToLowerInvariant()
            : null;
    }
}
