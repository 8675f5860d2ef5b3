using static TorchSharp.torch;

namespace Forge.Core.Diagnostics;

/// <summary>The named sub-modules of a model that take and return one tensor, each once, so forward hooks can observe them.</summary>
public static class HookableModules
{
    public static IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Module)> Of(nn.Module model)
    {
        var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        foreach (var (name, module) in model.named_modules())
        {
            // named_modules can list a module twice (inside ModuleList items also under its field name): keep the first name.
            if (!string.IsNullOrEmpty(name) && module is nn.Module<Tensor, Tensor> hookable && seen.Add(module))
                modules.Add((name, hookable));
        }
        return modules;
    }
}
