namespace ImageFrames.Serve;

/// <summary>
/// Bounds how many pictures are drawn at once. Drawing is CPU-bound, so more renders than cores only add
/// memory (each holds its window and its output) without finishing sooner; a burst of big requests queues
/// here instead of multiplying the worker's memory. A request that waits longer than the gate's wait is
/// answered 503 with Retry-After, which clients retry.
/// </summary>
public sealed class RenderGate(int slots, TimeSpan maxWait)
{
    private readonly SemaphoreSlim _slots = new(slots);
    private long _waits, _refused;

    /// <summary>One slot per core (at least two), and up to 20 s of waiting.</summary>
    public RenderGate() : this(Math.Max(2, Environment.ProcessorCount), TimeSpan.FromSeconds(20)) { }

    /// <summary>Slots drawing now.</summary>
    public int Busy => slots - _slots.CurrentCount;

    /// <summary>Renders that found every slot busy (and waited), and those that then waited too long.</summary>
    public long Waits => Interlocked.Read(ref _waits);
    public long Refused => Interlocked.Read(ref _refused);

    public ApiResponse Run(Func<ApiResponse> render)
    {
        if (!_slots.Wait(0) && TimedOutWaiting())
            return ApiResponse.Problem(503, "Busy drawing", $"every render slot stayed busy for {maxWait.TotalSeconds:F0} s; retry shortly")
                with { Headers = new Dictionary<string, string> { ["Retry-After"] = "2" } };
        try
        {
            return render();
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Counts a wait for a slot; true when none came within the gate's wait.</summary>
    private bool TimedOutWaiting()
    {
        Interlocked.Increment(ref _waits);
        if (_slots.Wait(maxWait)) return false;
        Interlocked.Increment(ref _refused);
        return true;
    }
}
