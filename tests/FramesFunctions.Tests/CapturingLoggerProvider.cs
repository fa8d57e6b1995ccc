using Microsoft.Extensions.Logging;

namespace ImageFrames.Tests;

/// <summary>Every log line of a service container, with its exception, so tests can check what is (never) written.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();
    public ILogger CreateLogger(string categoryName) => this;
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue(formatter(state, exception) + exception);
    public void Dispose() { }
}
