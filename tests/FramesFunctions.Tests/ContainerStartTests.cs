using System.Diagnostics;

namespace ImageFrames.Tests;

/// <summary>
/// scripts/container-start.sh, the image's command, run for real with a stand-in for the base image's start
/// script that behaves like it: a shell that runs the "host" as its child and passes no signal on. The host
/// stand-in needs a moment to shut down on SIGTERM, as the Functions host does.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // a POSIX shell script, as in the image
public sealed class ContainerStartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("frames-container-start-").FullName;

    [Fact]
    public async Task SigtermReachesTheHostAndTheWrapperWaitsUntilItHasShutDown()
    {
        var log = Path.Combine(_folder, "host.log");
        var startScript = Path.Combine(_folder, "start_nonappservice.sh");
        File.WriteAllText(startScript,
            "#!/bin/bash\n" +
            // The host: on SIGTERM it takes 0.5 s to finish, then says so. `sleep & wait` keeps it interruptible.
            $"bash -c 'trap \"sleep 0.5; echo stopped gracefully >> {log}; exit 0\" TERM; echo started >> {log}; while true; do sleep 0.05 & wait $!; done'\n" +
            "echo script-after-host >> " + log + "\n");
        File.SetUnixFileMode(startScript, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo(Path.Combine(TestPaths.RepositoryRoot, "scripts", "container-start.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["FUNCTIONS_START_SCRIPT"] = startScript;
        using var wrapper = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(log) || !File.ReadAllText(log).Contains("started"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the host stand-in never started");
            await Task.Delay(50);
        }

        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Kill(wrapper.Id, "TERM"));
        Assert.True(wrapper.WaitForExit(TimeSpan.FromSeconds(20)), "the wrapper did not exit after SIGTERM");
        // It returned only after the host had finished its shutdown (0.5 s), not at once.
        Assert.Contains("stopped gracefully", File.ReadAllText(log));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.4), $"returned after {clock.Elapsed.TotalSeconds:F2} s, before the host finished");
    }

    private static int Kill(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, pid.ToString()]);
        kill.WaitForExit();
        return kill.ExitCode;
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
