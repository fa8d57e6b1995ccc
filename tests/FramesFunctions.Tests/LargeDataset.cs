using ImageFrames.Sample;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>One 70,000-row dataset, ingested once for the class: big enough for every format's size limit.</summary>
public sealed class LargeDataset : IAsyncLifetime
{
    public const int Rows = 70_000;
    public HttpHarness Http { get; } = new(o => o.MaxImagePixels = 150L * 200_000);

    public async Task InitializeAsync()
    {
        using var csv = new MemoryStream();
        SampleLog.Write(new SampleLogSpec(Rows: Rows, Columns: 40, DepthStart: 0), csv);
        Assert.Equal(IngestStatus.Succeeded, (await Http.Db.IngestBytesAsync(csv.ToArray(), "deep")).Status);
    }

    public Task DisposeAsync()
    {
        Http.Dispose();
        return Task.CompletedTask;
    }
}
