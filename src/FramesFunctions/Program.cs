using ImageFrames;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The store's calls block their thread (ADO.NET, sync), and host.json lets 32 requests run at once: with the
// default of one pool thread per core, a cold burst against PostgreSQL (16 new connections at once) starved the
// pool for 12-13 s until threads were injected; with 32 ready it took 1.2 s (FramesBench, 2 cores).
ThreadPool.GetMinThreads(out _, out var completionThreads);
ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), completionThreads);

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddImageFramesFunctions(builder.Configuration);
await builder.Build().RunAsync();
