using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace ImageFrames.Tests;

/// <summary>
/// A real Azurite (blob + queue + table) from the repository's own node_modules (`npm ci`), on free loopback
/// ports with its data in a temp folder; stopped and deleted when the tests of a collection are done.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Process? _process;
    private readonly string _location = Directory.CreateTempSubdirectory("azurite-").FullName;

    public int BlobPort { get; } = FreePort();
    public int QueuePort { get; } = FreePort();
    public int TablePort { get; } = FreePort();

    /// <summary>The well-known development account, at this instance's ports.</summary>
    public string ConnectionString => DevelopmentAccount(BlobPort, QueuePort, TablePort);

    /// <summary>Azurite's published development account at the given loopback ports.</summary>
    public static string DevelopmentAccount(int blobPort, int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    public BlobServiceClient Blobs => new(ConnectionString);

    public async Task InitializeAsync()
    {
        var script = Path.Combine(TestPaths.RepositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
            throw new InvalidOperationException($"Azurite is not installed at {script}: run `npm ci` in the repository root first.");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--skipApiVersionCheck", "--location", _location,
                "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await Accepts(BlobPort) || !await Accepts(QueuePort))
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Azurite did not start listening within 60 s");
            await Task.Delay(100);
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        _process?.Dispose();
        try { Directory.Delete(_location, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private static async Task<bool> Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The kernel's range for outgoing connections' local ports (Linux's default where it cannot be read).</summary>
    public static (int Low, int High) EphemeralRange()
    {
        const string path = "/proc/sys/net/ipv4/ip_local_port_range";
        var parts = File.Exists(path) ? File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
        return parts.Length == 2 ? (int.Parse(parts[0]), int.Parse(parts[1])) : (32768, 60999);
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port nothing listens on, below the ephemeral range and never handed out before in this process.
    /// The port is free only when probed; the server binds it later (after an ingest, a process start). A port of
    /// the ephemeral range — what binding port 0 gives — may meanwhile become the local end of any outgoing
    /// connection (to Azurite, Chromium's own), and the bind fails with "address already in use".
    /// </summary>
    public static int FreePort()
    {
        const int lowest = 10000;
        var highest = Math.Max(EphemeralRange().Low - 1, lowest + 1000);
        lock (HandedOut)
        {
            while (true)
            {
                var port = Random.Shared.Next(lowest, highest + 1);
                if (HandedOut.Contains(port)) continue;
                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                }
                catch (SocketException)
                {
                    continue;
                }
                HandedOut.Add(port);
                return port;
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
