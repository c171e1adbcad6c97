import ArgumentParser

/// `warren topology`: placeholder until the topology commands land.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "topology", abstract: "Validate, apply and export the fleet's topology.")
}
