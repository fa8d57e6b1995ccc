using System.Net;

namespace ImageFrames.Tests;

/// <summary>A real HTTP endpoint on a free loopback port that answers each request with <c>handle</c>: stands in
/// for a running app or Functions host when the CLI talks to one.</summary>
public sealed class StandInServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public string Url { get; }

    public StandInServer(string path, Func<HttpListenerContext, Task> handle)
    {
        Url = $"http://127.0.0.1:{AzuriteFixture.FreePort()}{path}";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                await handle(context);
                context.Response.Close();
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
        _listener.Close();
    }
}
