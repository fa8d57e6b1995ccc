using ImageFrames.Bench;
using ImageFrames.Parse.Dlis;

namespace ImageFrames.Tests;

/// <summary>
/// Random truncations and byte flips of the fixtures (seeded, so a failure repeats): the reader, and the image
/// channels the ingest takes from it, either read the file or reject it with a <see cref="DlisFormatException"/>
/// — never another exception, never a hang, never more memory than the bound (one logical record of at most
/// 64 MiB, plus buffers and the 8 MB histogram of each image channel).
/// </summary>
public sealed class DlisFuzzTests
{
    /// <summary>The fixtures, and two wrapped in the Tape Image Format (".tif": records straddling visible records),
    /// whose flips land in TIF headers too.</summary>
    public static TheoryData<string> Files => new() { "fmi_small_vr512.dlis", "ubi_feet_decreasing.dlis", "multi_file.dlis", "int_image.dlis", "multi_file.dlis.tif", "int_image.dlis.tif" };

    [Theory]
    [MemberData(nameof(Files))]
    public void TruncationsAndByteFlipsAreReadOrRejectedCleanly(string file)
    {
        var original = file.EndsWith(".tif", StringComparison.Ordinal)
            ? TapeImageBytes.Wrap(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", file[..^4])), 700)
            : File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", file));
        var random = new Random(file.GetHashCode(StringComparison.Ordinal) & 0x7FFF ^ 20261130);
        var outcomes = new Dictionary<string, int>();
        for (var trial = 0; trial < 600; trial++)
        {
            var bytes = (byte[])original.Clone();
            if (trial % 3 == 0) bytes = bytes[..random.Next(0, bytes.Length)];
            else
            {
                // A few flips, mostly where the sets live (bytes 80-1,200 in these files: file header, origin,
                // channels, frame), the rest anywhere (visible record and segment headers, frame data).
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    var at = random.Next(10) < 6 ? random.Next(80, Math.Min(1200, bytes.Length)) : random.Next(bytes.Length);
                    bytes[at] ^= (byte)random.Next(1, 256);
                }
            }
            var outcome = Read(bytes, $"{file} trial {trial}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        Assert.True(outcomes.GetValueOrDefault("rejected") > 0, "no mutation was rejected: the test did not reach the checks");
    }

    private static string Read(byte[] bytes, string trial)
    {
        // A MemoryStream completes every read synchronously, so the whole read runs on this thread, where its
        // allocations are counted, and a hang shows as a read that never returns.
        var read = Task.Run(() =>
        {
            var start = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var reader = DlisFileReader.OpenAsync(new MemoryStream(bytes)).GetAwaiter().GetResult();
                var values = new double[1 << 20];
                while (reader.NextFrameAsync().AsTask().GetAwaiter().GetResult() is { } frame)
                    for (var c = 0; c < frame.Layout.Frame.Channels.Count; c++)
                        frame.Layout.Read(c, frame.Samples.Span, values, frame.Offset, frame.Record);
                // And the image channels the ingest takes from it (a second, independent pass over the bytes).
                foreach (var spool in DlisImageChannels.SpoolAsync(new MemoryStream(bytes), 150, Path.GetTempPath(), null, default).GetAwaiter().GetResult())
                    spool.Dispose();
                return ("read", GC.GetAllocatedBytesForCurrentThread() - start);
            }
            catch (DlisFormatException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Detail));
                return ("rejected", GC.GetAllocatedBytesForCurrentThread() - start);
            }
        });
        Assert.True(read.Wait(TimeSpan.FromSeconds(30)), $"{trial}: the read did not finish in 30 s");
        var (outcome, allocated) = read.Result;
        Assert.True(allocated < 80L << 20, $"{trial}: the read allocated {allocated / 1e6:F0} MB");
        return outcome;
    }
}
