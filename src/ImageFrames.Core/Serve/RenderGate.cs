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

    /// <summary>One slot per core (at least two), and up to 20 s of waiting.</summary>
    public RenderGate() : this(Math.Max(2, Environment.ProcessorCount), TimeSpan.FromSeconds(20)) { }

    public ApiResponse Run(Func<ApiResponse> render)
    {
        if (!_slots.Wait(maxWait))
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
}
