import React from "react";
import { FlatList, Text } from "react-native";

type Props = { workouts: Workout[]; failed: boolean };

export function WorkoutList({ workouts, failed }: Props): JSX.Element {
  if (failed) {
    return <Text>Uh oh! Couldn't load your workouts.</Text>;
  }
  if (workouts.length === 0) {
    return <Text>No workouts yet. Tap + to log your first one.</Text>;
  }
  return <FlatList data={workouts} renderItem={({ item }) => <Text>{item.name}</Text>} />;
}
