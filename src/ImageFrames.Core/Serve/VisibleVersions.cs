using System.Collections.Concurrent;
using ImageFrames.Store;

namespace ImageFrames.Serve;

/// <summary>
/// Which version a dataset shows (and where a depth window lies in it), remembered while the store's change stamp
/// (<see cref="FrameStore.ChangeStamp"/>) holds: a repeated request finds its version — its cache key — without a
/// database trip, and the first request after any process's publish asks the database again. The stamp is read
/// before the database is asked, so a change that lands meanwhile makes the remembered fact expire, never outlive it.
/// </summary>
public sealed class VisibleVersions(FrameStore store)
{
    /// <summary>Distinct questions remembered at most (depth windows vary without bound); then forgotten at once.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (long Stamp, object? Answer)> _known = new();

    /// <summary>The remembered answer to <paramref name="question"/> while the stamp holds (and <paramref name="fresh"/>
    /// is false), else <paramref name="ask"/>'s, remembered.</summary>
    public T? Get<T>(string question, Func<T?> ask, bool fresh = false) where T : class
    {
        var stamp = store.ChangeStamp();
        if (!fresh && _known.TryGetValue(question, out var known) && known.Stamp == stamp) return (T?)known.Answer;
        var answer = ask();
        if (_known.Count >= MaxEntries) _known.Clear();
        _known[question] = (stamp, answer);
        return answer;
    }
}
