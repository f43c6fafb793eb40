package dev.panicwatch.cli;

/** config.plist files as OpenCore ships them (Sample.plist's layout), written by hand for the tests. */
final class OpenCorePlists {

    private OpenCorePlists() {
    }

    private static final String HEADER = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <plist version="1.0">
            """;

    /** Only what the advice touches: NVRAM with Add and Delete for Apple's boot GUID. */
    static String minimal(String bootArgs) {
        return HEADER + """
                <dict>
                	<key>NVRAM</key>
                	<dict>
                		<key>Add</key>
                		<dict>
                			<key>7C436110-AB2A-4BBB-A880-FE41995C9F82</key>
                			<dict>
                				<key>boot-args</key>
                				<string>%s</string>
                			</dict>
                		</dict>
                		<key>Delete</key>
                		<dict>
                			<key>7C436110-AB2A-4BBB-A880-FE41995C9F82</key>
                			<array>
                				<string>boot-args</string>
                			</array>
                		</dict>
                	</dict>
                </dict>
                </plist>
                """.formatted(bootArgs);
    }

    /**
     * The sections of a real OpenCore config around the one that matters, with the value types a config holds (data,
     * integers, booleans, the #WARNING comment keys), and a Delete list that does not yet name boot-args.
     */
    static String full(String bootArgs) {
        return HEADER + """
                <dict>
                	<key>#WARNING - 1</key>
                	<string>This is just a sample. Do NOT try loading it.</string>
                	<key>ACPI</key>
                	<dict>
                		<key>Add</key>
                		<array>
                			<dict>
                				<key>Comment</key>
                				<string>My custom DSDT</string>
                				<key>Enabled</key>
                				<false/>
                				<key>Path</key>
                				<string>DSDT.aml</string>
                			</dict>
                		</array>
                	</dict>
                	<key>Booter</key>
                	<dict>
                		<key>Quirks</key>
                		<dict>
                			<key>ProvideMaxSlide</key>
                			<integer>0</integer>
                			<key>SetupVirtualMap</key>
                			<true/>
                		</dict>
                	</dict>
                	<key>NVRAM</key>
                	<dict>
                		<key>Add</key>
                		<dict>
                			<key>4D1EDE05-38C7-4A6A-9CC6-4BCCA8B38C14</key>
                			<dict>
                				<key>DefaultBackgroundColor</key>
                				<data>AAAAAA==</data>
                			</dict>
                			<key>7C436110-AB2A-4BBB-A880-FE41995C9F82</key>
                			<dict>
                				<key>SystemAudioVolume</key>
                				<data>Rg==</data>
                				<key>boot-args</key>
                				<string>%s</string>
                				<key>csr-active-config</key>
                				<data>AAAAAA==</data>
                				<key>prev-lang:kbd</key>
                				<data>cnUtUlU6MjUy</data>
                			</dict>
                		</dict>
                		<key>Delete</key>
                		<dict>
                			<key>4D1EDE05-38C7-4A6A-9CC6-4BCCA8B38C14</key>
                			<array>
                				<string>DefaultBackgroundColor</string>
                			</array>
                			<key>7C436110-AB2A-4BBB-A880-FE41995C9F82</key>
                			<array>
                				<string>SystemAudioVolume</string>
                			</array>
                		</dict>
                		<key>LegacySchema</key>
                		<dict/>
                		<key>WriteFlash</key>
                		<true/>
                	</dict>
                	<key>PlatformInfo</key>
                	<dict>
                		<key>Generic</key>
                		<dict>
                			<key>SystemUUID</key>
                			<string>4C4C4544-0031-3510-8052-B3C04F563132</string>
                		</dict>
                	</dict>
                </dict>
                </plist>
                """.formatted(bootArgs);
    }
}
