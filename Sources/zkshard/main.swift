import ArgumentParser
import Algebra

struct Zkshard: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "zkshard", abstract: "Zero-knowledge proofs of neural-network inference.", subcommands: [])
}
Zkshard.main()
