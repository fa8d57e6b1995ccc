using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ImageFrames.Bench;

/// <summary>
/// Per-client rate limit fairness against a running app (a Functions host with FRAMES_RATE_LIMIT set): four
/// polite clients each send within their limit, one greedy client at ten times it, each from its own loopback
/// address (127.0.0.2…6) so the host forwards them as different clients. Prints each client's accepted
/// requests a second, first with the polite ones alone (no contention), then with the greedy one beside them.
/// Usage: dotnet run -c Release --project bench/FramesBench -- fairness BASE_URL --limit N [--seconds 10] [--path P]
/// </summary>
public static class FairnessBench
{
    public static async Task RunAsync(string[] args)
    {
        var baseUrl = args[1].TrimEnd('/');
        var limit = double.Parse(Value(args, "--limit") ?? throw new ArgumentException("--limit: the app's FRAMES_RATE_LIMIT"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Value(args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        var path = Value(args, "--path") ?? "/api/frames?dataset=img&limit=5";
        var polite = Enumerable.Range(2, 4).Select(i => new Client($"127.0.0.{i}", 0.8 * limit)).ToList();
        var greedy = new Client("127.0.0.6", 10 * limit);

        await Task.WhenAll(polite.Select(c => c.RunAsync(baseUrl + path, TimeSpan.FromSeconds(seconds))));
        var alone = polite.Select(c => c.AcceptedPerSecond).ToList();
        Console.WriteLine($"limit {limit}/s, polite clients at {0.8 * limit}/s, greedy at {10 * limit}/s, {seconds} s each phase, {path}");
        Console.WriteLine("| client | alone: accepted/s | with the greedy one: accepted/s | share kept | 429s |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var c in polite) c.Reset();
        await Task.WhenAll(polite.Select(c => c.RunAsync(baseUrl + path, TimeSpan.FromSeconds(seconds))).Append(greedy.RunAsync(baseUrl + path, TimeSpan.FromSeconds(seconds))));
        for (var i = 0; i < polite.Count; i++)
            Console.WriteLine($"| polite {polite[i].Address} | {alone[i]:F1} | {polite[i].AcceptedPerSecond:F1} | {100 * polite[i].AcceptedPerSecond / alone[i]:F0} % | {polite[i].Refused} |");
        Console.WriteLine($"| greedy {greedy.Address} | | {greedy.AcceptedPerSecond:F1} ({100 * greedy.AcceptedPerSecond / limit:F0} % of the limit) | | {greedy.Refused} |");
    }

    private static string? Value(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>One client: its own source address, requests paced at a fixed rate, several in flight.</summary>
    private sealed class Client(string address, double perSecond)
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 16,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
        private int _accepted, _refused;
        private double _seconds;

        public string Address => address;
        public double AcceptedPerSecond => _accepted / _seconds;
        public int Refused => _refused;

        public void Reset() => (_accepted, _refused) = (0, 0);

        public async Task RunAsync(string url, TimeSpan duration)
        {
            var clock = Stopwatch.StartNew();
            var pending = new List<Task>();
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                var due = TimeSpan.FromSeconds(n / perSecond);
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                pending.Add(SendAsync(url));
            }
            await Task.WhenAll(pending);
            _seconds = clock.Elapsed.TotalSeconds;
        }

        private async Task SendAsync(string url)
        {
            using var response = await _http.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.TooManyRequests) Interlocked.Increment(ref _refused);
            else if (response.IsSuccessStatusCode) Interlocked.Increment(ref _accepted);
        }
    }
}
