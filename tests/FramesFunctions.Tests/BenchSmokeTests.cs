using System.Diagnostics;

namespace ImageFrames.Tests;

/// <summary>The benchmark is not part of the test run, but it must keep working: run it on a tiny input.</summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task TheBenchRunsOnATinyInput()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "FramesBench.dll"), "--rows", "300", "--iterations", "3" })
            start.ArgumentList.Add(arg);
        using var bench = Process.Start(start)!;
        var output = await bench.StandardOutput.ReadToEndAsync();
        var errors = await bench.StandardError.ReadToEndAsync();
        await bench.WaitForExitAsync();

        Assert.True(bench.ExitCode == 0, output + errors);
        foreach (var stage in new[] { "| parse |", "| parse+resize |", "| ingest |", "| CLI ingest (process) |", "overview levels:", "100-row JSON window",
                                       "full-range PNG at height=1000", "widest PNG within the budget, uncached", "same PNG, cached" })
            Assert.Contains(stage, output);
    }
}
