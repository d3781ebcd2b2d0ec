import LookoutCLI

@main
struct Entrypoint {
    static func main() async {
        await LookoutMain.run()
    }
}
