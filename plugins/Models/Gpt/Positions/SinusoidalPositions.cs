using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt.Positions;

/// <summary>
/// The fixed positions of Vaswani et al. 2017: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(…), here times √2
/// so that every position's vector has unit RMS, like the unit-scale embedding outputs it is added to under μP and
/// u-μP. No parameters.
/// </summary>
internal static class SinusoidalPositions
{
    /// <summary>The table (time, width) for positions start … start + time − 1.</summary>
    public static Tensor Table(long start, long time, long width, Device device, ScalarType dtype)
    {
        var table = new float[time * width];
        for (long t = 0; t < time; t++)
            for (long c = 0; c < width; c++)
            {
                double angle = (start + t) * Math.Pow(10000.0, -(double)(c - c % 2) / width);
                table[t * width + c] = (float)(Math.Sqrt(2) * (c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle)));
            }
        using var values = tensor(table, new[] { time, width }, device: device);
        return values.to(dtype);
    }
}
