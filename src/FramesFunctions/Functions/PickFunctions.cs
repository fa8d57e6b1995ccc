using ImageFrames.Configuration;
using ImageFrames.Interpret;
using ImageFrames.Serve;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Functions;

/// <summary>An interpreter's picks on a dataset (<see cref="PicksApi"/>) and the automatic picker's planes
/// (<see cref="DipsApi"/>): read publicly, written like the admin routes (a function key and the X-Admin-Token header).</summary>
public sealed class PickFunctions(PicksApi picks, DipsApi dips, FramesApi api, FramesMetrics metrics, ILogger<PickFunctions> logger)
{
    [Function("GetDips")]
    public IActionResult GetDips([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "frames/dips")] HttpRequest req) =>
        Guard.Run(api.Cors, api.RateLimiter, ClientRateLimiter.HeavyCost, metrics, logger, req, () => dips.Dips(req.Query));

    [Function("AcceptDips")]
    public IActionResult AcceptDips([HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{id}/picks/accept")] HttpRequest req, string id) =>
        Guard.Run(metrics, logger, req, () => api.Authorize(req) ?? dips.Accept(id, req.Query));

    [Function("ListPicks")]
    public IActionResult ListPicks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}/picks")] HttpRequest req, string id) =>
        Guard.Run(api.Cors, api.RateLimiter, ClientRateLimiter.LightCost, metrics, logger, req, () => picks.List(id, req.Query));

    [Function("GetPicksRose")]
    public IActionResult GetPicksRose([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}/picks/rose.svg")] HttpRequest req, string id) =>
        Guard.Run(api.Cors, api.RateLimiter, ClientRateLimiter.HeavyCost, metrics, logger, req, () => picks.Diagram(id, req.Query, PickDiagrams.Rose, "Dip directions"));

    [Function("GetPicksStereonet")]
    public IActionResult GetPicksStereonet([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}/picks/stereonet.svg")] HttpRequest req, string id) =>
        Guard.Run(api.Cors, api.RateLimiter, ClientRateLimiter.HeavyCost, metrics, logger, req, () => picks.Diagram(id, req.Query, PickDiagrams.Stereonet, "Poles"));

    [Function("GetPicksRosePng")]
    public IActionResult GetPicksRosePng([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}/picks/rose.png")] HttpRequest req, string id) =>
        Guard.Run(api.Cors, api.RateLimiter, ClientRateLimiter.HeavyCost, metrics, logger, req, () => picks.Diagram(id, req.Query, PickDiagrams.Rose, "Dip directions", png: true));

    [Function("GetPicksStereonetPng")]
    public IActionResult GetPicksStereonetPng([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}/picks/stereonet.png")] HttpRequest req, string id) =>
        Guard.Run(api.Cors, api.RateLimiter, ClientRateLimiter.HeavyCost, metrics, logger, req, () => picks.Diagram(id, req.Query, PickDiagrams.Stereonet, "Poles", png: true));

    [Function("AddPicks")]
    public Task<IActionResult> AddPicks([HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{id}/picks")] HttpRequest req, string id) =>
        Guard.RunAsync(metrics, logger, req, () => api.Authorize(req) is { } refusal
            ? Task.FromResult(refusal) : picks.AddAsync(id, req.Body, req.Query, req.HttpContext.RequestAborted));

    [Function("ReplacePick")]
    public Task<IActionResult> ReplacePick([HttpTrigger(AuthorizationLevel.Function, "patch", Route = "datasets/{id}/picks/{pickId}")] HttpRequest req, string id, string pickId) =>
        Guard.RunAsync(metrics, logger, req, () => api.Authorize(req) is { } refusal
            ? Task.FromResult(refusal) : picks.ReplaceAsync(id, pickId, req.Body, req.Query, req.HttpContext.RequestAborted));

    [Function("DeletePick")]
    public IActionResult DeletePick([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "datasets/{id}/picks/{pickId}")] HttpRequest req, string id, string pickId) =>
        Guard.Run(metrics, logger, req, () => api.Authorize(req) ?? picks.Delete(id, pickId));
}
