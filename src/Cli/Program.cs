using Forge.Cli;

return await ForgeCli.RunAsync(args);
