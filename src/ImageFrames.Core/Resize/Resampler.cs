namespace ImageFrames.Resize;

/// <summary>How a row of grey values is resampled to the stored width.</summary>
public enum Resampler
{
    /// <summary>Exact area average (antialiasing box filter): each output pixel is the mean of the input
    /// it covers, weighted by overlap. 200→150 gives (3a+b)/4, (b+c)/2, (c+3d)/4.</summary>
    Area,
    Nearest,
    Bilinear,
    /// <summary>Catmull-Rom cubic (a = -0.5), widened when downscaling.</summary>
    Bicubic,
    Lanczos3,
}
