using ImageFrames.Configuration;
using ImageFrames.Store;

namespace ImageFrames.Serve;

public sealed record CacheStats(long Hits, long Misses, double HitRate, int Entries, long Bytes, long MaxBytes, long Evictions, long Collapsed);

/// <summary>
/// Finished responses kept in memory, least recently used out first, bounded in bytes (and each answer to an
/// eighth of them). Keys carry the dataset
/// version, so a new version can never be answered from an old entry; entries of a dataset that changed in
/// this process are dropped at once to free their memory. Concurrent misses of one key are collapsed: the
/// first caller builds the response, the others wait for it instead of building it again (counted as
/// <c>collapsed</c>), so a burst of identical requests costs one render. Streamed answers (a body writer) are
/// neither kept nor shared.
/// </summary>
public sealed class ResponseCache
{
    private sealed record Entry(string Key, string DatasetId, ApiResponse Response, long Size);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly long _maxBytes;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<ApiResponse>> _inFlight = new(StringComparer.Ordinal);
    private long _bytes, _hits, _misses, _evictions, _collapsed;

    public ResponseCache(FramesOptions options, FrameStore store)
    {
        _maxBytes = options.CacheMaxBytes;
        store.DatasetChanged += RemoveDataset;
    }

    public ApiResponse GetOrAdd(string datasetId, string key, Func<ApiResponse> create)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _hits++;
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value.Response;
            }
        }
        var mine = new Lazy<ApiResponse>(create, LazyThreadSafetyMode.ExecutionAndPublication);
        var flight = _inFlight.GetOrAdd(key, mine);
        if (!ReferenceEquals(flight, mine))
        {
            // A streamed answer is written from its request's own snapshot and released once sent: it cannot be
            // handed to a second request, which builds its own.
            var shared = flight.Value;
            if (shared.BodyWriter is not null) return create();
            Interlocked.Increment(ref _collapsed);
            return shared;
        }
        Interlocked.Increment(ref _misses);
        try
        {
            var response = mine.Value;
            if (response.Status != 200 || response.BodyWriter is not null) return response;
            // JSON and arrays are kept with a gzip form made on its first use, counted as half the body (about what
            // it takes; pictures are compressed already).
            var gzippable = response.ContentType is "application/json" or "application/octet-stream" && response.Body.Length >= MinGzipBytes;
            if (gzippable) response = response with { Gzipped = new Lazy<byte[]>(() => ApiResponse.Gzip(response.Body)) };
            var bodies = response.Body.Length + (gzippable ? response.Body.Length / 2 : 0);
            Add(new Entry(key, datasetId, response, bodies + key.Length * 2 + 256));
            return response;
        }
        finally
        {
            _inFlight.TryRemove(KeyValuePair.Create(key, mine));
        }
    }

    /// <summary>Smaller answers are sent as they are: gzip's framing would eat what it saves.</summary>
    private const int MinGzipBytes = 1024;

    /// <summary>The largest answer kept: an eighth of the cache (8 MB of the default 64), so one huge picture can
    /// neither push out the many small answers that make the hits nor sit in memory after it was sent.</summary>
    public long MaxEntryBytes => _maxBytes / 8;

    private void Add(Entry entry)
    {
        if (entry.Size > MaxEntryBytes) return;
        lock (_lock)
        {
            if (_map.ContainsKey(entry.Key)) return;
            _map[entry.Key] = _recency.AddFirst(entry);
            _bytes += entry.Size;
            while (_bytes > _maxBytes && _recency.Last is { } oldest)
            {
                Remove(oldest);
                _evictions++;
            }
        }
    }

    public void RemoveDataset(string datasetId)
    {
        lock (_lock)
            foreach (var node in _map.Values.Where(n => n.Value.DatasetId == datasetId).ToList()) Remove(node);
    }

    public void Clear()
    {
        lock (_lock)
        {
            _map.Clear();
            _recency.Clear();
            _bytes = 0;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _map.Remove(node.Value.Key);
        _bytes -= node.Value.Size;
    }

    public CacheStats Stats()
    {
        lock (_lock)
        {
            var lookups = _hits + _misses;
            return new CacheStats(_hits, _misses, lookups == 0 ? 0 : Math.Round((double)_hits / lookups, 4), _map.Count, _bytes, _maxBytes, _evictions,
                Interlocked.Read(ref _collapsed));
        }
    }
}
