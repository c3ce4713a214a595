package botfather

import (
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"/newbot", "newbot", true},
		{"  /MyBots  ", "mybots", true},
		{"/token@BotFather", "token", true},
		{"/token@botfather now", "token", true},
		{"/token@other_bot", "", false},
		{"newbot", "", false},
		{"/", "", false},
	}
	for _, tt := range tests {
		got, ok := command(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("command(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCheckBotUsername(t *testing.T) {
	tests := []struct {
		in, want, problem string
	}{
		{"tetris_bot", "tetris_bot", ""},
		{"@TetrisBot", "TetrisBot", ""},
		{" tetrisbot ", "tetrisbot", ""},
		{"tetris", "", "must end in 'bot'"},
		{"bot", "", "invalid"},
		{"1tetris_bot", "", "invalid"},
		{"tetris__bot", "", "invalid"},
		{"tetris-bot", "", "invalid"},
		{strings.Repeat("a", 30) + "bot", "", "invalid"},
	}
	for _, tt := range tests {
		got, problem := checkBotUsername(tt.in)
		if got != tt.want || (tt.problem == "") != (problem == "") || !strings.Contains(problem, tt.problem) {
			t.Errorf("checkBotUsername(%q) = %q, %q; want %q, a problem with %q", tt.in, got, problem, tt.want, tt.problem)
		}
	}
}

func TestCheckName(t *testing.T) {
	if name, problem := checkName("  Tetris  "); name != "Tetris" || problem != "" {
		t.Errorf("checkName: %q, %q", name, problem)
	}
	if _, problem := checkName("   "); problem == "" {
		t.Error("an empty name passed")
	}
	if _, problem := checkName(strings.Repeat("é", 65)); problem == "" {
		t.Error("a 65-character name passed")
	}
	if _, problem := checkName(strings.Repeat("é", 64)); problem != "" {
		t.Errorf("a 64-character name failed: %s", problem)
	}
}

func TestParseCommands(t *testing.T) {
	cmds, problem := parseCommands("start - Start the bot\n\n/help - Get help  \nscore_2 - Your score")
	if problem != "" || len(cmds) != 3 || cmds[1].Command != "help" || cmds[1].Description != "Get help" || cmds[2].Command != "score_2" {
		t.Fatalf("parseCommands: %+v, %q", cmds, problem)
	}
	if cmds, problem := parseCommands("/empty"); cmds != nil || problem != "" {
		t.Fatalf("/empty: %+v, %q", cmds, problem)
	}
	for _, bad := range []string{"start", "start -", "Start - Capital", "start - a\nstart - b", "", "a b - c", strings.Repeat("x", 33) + " - long"} {
		if _, problem := parseCommands(bad); problem == "" {
			t.Errorf("parseCommands(%q) passed", bad)
		}
	}
}

func TestGameChecks(t *testing.T) {
	if _, p := checkGameShortName("snake_2"); p != "" {
		t.Error(p)
	}
	for _, bad := range []string{"sn", "sna ke", "snäke"} {
		if _, p := checkGameShortName(bad); p == "" {
			t.Errorf("short name %q passed", bad)
		}
	}
	if _, p := checkGameURL("https://games.example/snake"); p != "" {
		t.Error(p)
	}
	for _, bad := range []string{"ftp://x.example", "https://", "snake"} {
		if _, p := checkGameURL(bad); p == "" {
			t.Errorf("URL %q passed", bad)
		}
	}
	if _, p := checkGameTitle(""); p == "" {
		t.Error("an empty title passed")
	}
}

func TestCallbackData(t *testing.T) {
	for _, d := range []callbackData{
		{action: actList},
		{action: actBot, bot: 1000001},
		{action: actTransferOK, bot: 9223372036854775807, arg: 9223372036854775807},
	} {
		s := d.String()
		if len(s) > 64 {
			t.Errorf("%q is longer than callback data may be", s)
		}
		got, ok := parseData(s)
		if !ok || got != d {
			t.Errorf("parseData(%q) = %+v, %v; want %+v", s, got, ok, d)
		}
	}
	for _, bad := range []string{"", ":1", "bot:x", "bot:-1", "bot:1:2:3", "bot:0"} {
		if _, ok := parseData(bad); ok {
			t.Errorf("parseData(%q) passed", bad)
		}
	}
}
